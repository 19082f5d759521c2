// SPDX-License-Identifier: BSD-2-Clause
// The time service as a protection domain: its client table is the composer's (the TimeService
// building block writes config::TimeClients into this PD's kaal_config.hpp).
#include <kaal/services/time/time_service_component.hpp>

#include "kaal_config.hpp"

KAAL_COMPONENT(kaal::services::time::TimeServiceComponent<config::TimeClients>);
