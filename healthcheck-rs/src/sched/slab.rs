//! The scheduler's table of checks: a slab indexed by [`CheckId`], whose
//! slots are reused with a new generation, so a stale id never reaches a
//! newer check and lookups cost an index, not a hash.

use super::CheckId;

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values addressed by generation-checked ids.
#[derive(Debug)]
pub(super) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Slab<T> {
    pub(super) fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    fn split(id: CheckId) -> (usize, u32) {
        let index = usize::try_from(id.0 & 0xffff_ffff).unwrap_or(usize::MAX);
        (index, u32::try_from(id.0 >> 32).unwrap_or(u32::MAX))
    }

    pub(super) fn insert(&mut self, value: T) -> CheckId {
        self.len += 1;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.value = Some(value);
        CheckId(u64::from(slot.generation) << 32 | u64::from(index))
    }

    pub(super) fn get(&self, id: CheckId) -> Option<&T> {
        let (index, generation) = Self::split(id);
        self.slots
            .get(index)
            .filter(|s| s.generation == generation)
            .and_then(|s| s.value.as_ref())
    }

    pub(super) fn get_mut(&mut self, id: CheckId) -> Option<&mut T> {
        let (index, generation) = Self::split(id);
        self.slots
            .get_mut(index)
            .filter(|s| s.generation == generation)
            .and_then(|s| s.value.as_mut())
    }

    pub(super) fn remove(&mut self, id: CheckId) -> Option<T> {
        let (index, generation) = Self::split(id);
        let slot = self
            .slots
            .get_mut(index)
            .filter(|s| s.generation == generation)?;
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(u32::try_from(index).unwrap_or(u32::MAX));
        self.len -= 1;
        Some(value)
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_slots_reject_old_ids() {
        let mut s = Slab::new();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.remove(a), None);
        let c = s.insert("c");
        assert_ne!(a, c);
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(c), Some(&"c"));
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(CheckId(u64::MAX)), None);
    }
}
