// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#error "runtime-mode channel operations arrive with the KaaL root task (issue #6)"
