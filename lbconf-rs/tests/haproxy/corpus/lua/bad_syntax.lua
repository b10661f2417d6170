-- A function whose parameter list never closes.
function greet(name
    return "hello " .. name
end
