// SPDX-License-Identifier: BSD-2-Clause
// The same system without the mistake.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    auto& server = s.pd("server", "ipc_ppc_server").priority(200);
    auto& client = s.pd("client", "ipc_ppc_client").priority(100);
    s.call(client, "adder", server, "adder");
}
