-- examples/lua/hello.lua: put on the FAT volume by the boot test and by scripts/run.sh lua,
-- and run by `lua -i /hello.lua` on seL4. Every line it prints is checked (tests/boot/lua.expect).
print("hello from " .. _VERSION .. " on seL4")

-- Files, through the POSIX layer to the FAT filesystem service.
local f = assert(io.open("/from-lua.txt", "w"))
for i = 1, 3 do
  f:write(string.format("line %d\n", i))
end
f:close()
local lines = {}
for line in io.lines("/from-lua.txt") do
  lines[#lines + 1] = line
end
print("read back " .. #lines .. " lines: " .. table.concat(lines, ", "))
print("a file Linux wrote: " .. assert(io.open("/hello.txt")):read("l"))

-- Tables, strings, closures and errors, as any Lua program uses them.
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do
  words[#words + 1] = w
end
table.sort(words)
print("sorted: " .. table.concat(words, " "))
local ok, message = pcall(function() error("caught", 0) end)
print("pcall: " .. tostring(ok) .. ", " .. message)
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(25) = " .. fib(25))
print(string.format("pi is about %.6f", math.pi))

-- Time from the time service.
local now = os.time()
print("os.time is " .. (now > 1700000000 and "the wall clock" or "WRONG: " .. now))
print("os.date: " .. (os.date("!%Y-%m-%d", now):match("^%d%d%d%d%-%d%d%-%d%d$") and "a date" or "WRONG"))
print("os.getenv('HOME') = " .. tostring(os.getenv("HOME")))
