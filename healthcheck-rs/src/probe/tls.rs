//! TLS for probes with rustls: SNI when a name is given, certificate
//! verification only when asked (keepalived's `SSL_GET` does not verify).

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::Prober;
use crate::outcome::{FailKind, Outcome};
use crate::spec::Tls;

fn setup(detail: String) -> Outcome {
    Outcome::fail(FailKind::Setup, detail)
}

/// Builds the client configuration for `tls`.
pub(crate) fn client_config(tls: &Tls) -> Result<Arc<ClientConfig>, Outcome> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(format!("TLS setup failed: {e}")))?;
    let config = if tls.verify {
        let Some(ca) = &tls.ca_file else {
            return Err(setup(
                "TLS verification is on but no CA file is given (set ca_file)".to_owned(),
            ));
        };
        let mut roots = RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(ca)
            .map_err(|e| setup(format!("cannot read CA file {}: {e}", ca.display())))?;
        for cert in certs {
            let cert =
                cert.map_err(|e| setup(format!("bad certificate in {}: {e}", ca.display())))?;
            roots
                .add(cert)
                .map_err(|e| setup(format!("unusable CA certificate in {}: {e}", ca.display())))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// Starts TLS on `stream`.
pub(crate) async fn wrap<S: AsyncRead + AsyncWrite + Unpin>(
    prober: &Prober,
    stream: S,
    tls: &Tls,
    ip: IpAddr,
) -> Result<TlsStream<S>, Outcome> {
    let config = prober.tls_config(tls)?;
    let name = match &tls.sni {
        Some(n) => ServerName::try_from(n.clone())
            .map_err(|e| setup(format!("bad TLS server name {n:?}: {e}")))?,
        None => ServerName::IpAddress(ip.into()),
    };
    TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| Outcome::fail(FailKind::Tls, format!("TLS handshake with {ip}: {e}")))
}

/// Accepts any certificate, but still checks the handshake signatures.
#[derive(Debug)]
struct AnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
