/* SPDX-License-Identifier: BSD-2-Clause */
/* <netinet/tcp.h> (POSIX.1-2017): TCP's one option POSIX names. */
#pragma once

#define TCP_NODELAY 1
