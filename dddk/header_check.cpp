// SPDX-License-Identifier: BSD-2-Clause
// Compiles every DDDK header on its own in the platform mode of this build, so a header that
// stops building in one mode (microkit, runtime or mock) fails the build of that mode at once,
// not later in the first driver that happens to include it.
#include <kaal/dddk/barrier.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/irq.hpp>
#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/dddk/register.hpp>
#include <kaal/dddk/register_block.hpp>
#include <kaal/dddk/serial_queue.hpp>
