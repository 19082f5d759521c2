// SPDX-License-Identifier: BSD-2-Clause
// A client calls a server over one channel. Microkit lets a PD call only a PD of strictly
// higher priority (Microkit manual, "Protected procedure"), hence 200 over 100; the composer
// checks it.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    auto& server = s.pd("server", "ipc_ppc_server").priority(200);
    auto& client = s.pd("client", "ipc_ppc_client").priority(100);
    s.call(client, "adder", server, "adder");
}
