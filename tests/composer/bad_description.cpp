// SPDX-License-Identifier: BSD-2-Clause
// A description with a mistake on a known line: a callee that does not outrank its caller.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    auto& server = s.pd("server", "ipc_ppc_server").priority(100);
    auto& client = s.pd("client", "ipc_ppc_client").priority(100);
    s.call(client, "adder", server, "adder"); // line 8: the mistake
}
