# A session on examples/ipc-ppc, built at -O0 (tests/debug/check_session.py runs it and reads its
# output): the server's handler of the client's first call and its arguments, the calls that
# led there, one step, the handler's result, and its caller's local variables.
break Server::handle
continue
print r.a
print r.b
backtrace
next
finish
finish
info locals
