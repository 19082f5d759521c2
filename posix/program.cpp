// SPDX-License-Identifier: BSD-2-Clause
// posix_program: the KaaL component a POSIX program runs in (kaal_add_posix_program). Its init()
// attaches the console, the time service and the program's mounts, then runs the program's main
// to the end (posix/c/start.c), syncs the volumes it mounted, and reports its exit status:
//
//   posix: <name> exited with status <n>
//
// Below main, this file is the system interface (kaal/posix/system_interface.h): the C side's
// calls land here and go to the VFS, the console writer and reader, the time client and the
// sockets (socket_table.hpp). main runs inside init(), so no notified() comes while it runs:
// whatever waits does so in wait() (kaal_sys_wait), one step of the program's own event loop
// over kaal::wait_for_any, which hands frames to the network, runs its timers, and returns for
// the caller to look again. Calls and faults addressed to the PD are still answered meanwhile
// (kaal/platform/wait.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/posix/system_interface.h>
#include <kaal/services/entropy/entropy_client.hpp>
#include <kaal/services/fs/mounted_client.hpp>
#include <kaal/services/fs/vfs.hpp>
#include <kaal/services/net/lwip_stack.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/time/civil_time.hpp>
#include <kaal/services/time/time_client.hpp>

#include "kaal_config.hpp"
#include "socket_table.hpp"

namespace {

using kaal::Error;
namespace fs = kaal::services::fs;
using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;
using kaal::services::time::TimeClient;

using Client = fs::MountedClient;
constexpr auto& mounts = config::VfsMounts::mounts;
using Vfs = fs::Vfs<Client, std::max<std::size_t>(mounts.size(), 1), 16>;

// FAT's longest name: 255 UTF-16 units (Microsoft FAT specification, "Long File Name
// Implementation"). A name the filesystem refuses is too long if it has more than that, and
// otherwise holds a character FAT cannot store.
bool name_too_long(std::string_view path) {
    std::size_t units = 0;
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/') {
            units = 0;
            continue;
        }
        // A UTF-8 lead byte starts a character; four-byte ones need two UTF-16 units.
        units += (byte & 0xc0U) == 0x80U ? 0 : (byte >= 0xf0U ? 2 : 1);
        if (units > 255) {
            return true;
        }
    }
    return false;
}

// POSIX's name for what went wrong. `path`, when the call named one, tells a name FAT cannot
// store from one that is too long.
int to_errno(Error e, std::string_view path = {}) {
    switch (e) {
    case Error::not_found: return KAAL_ENOENT;
    case Error::exists: return KAAL_EEXIST;
    case Error::not_directory: return KAAL_ENOTDIR;
    case Error::is_directory: return KAAL_EISDIR;
    case Error::not_empty: return KAAL_ENOTEMPTY;
    case Error::volume_full: return KAAL_ENOSPC;
    case Error::busy: return KAAL_EBUSY;
    case Error::bad_name: return name_too_long(path) ? KAAL_ENAMETOOLONG : KAAL_EINVAL;
    case Error::out_of_slots: return KAAL_EMFILE;
    case Error::invalid_argument: return KAAL_EINVAL;
    case Error::not_permitted: return KAAL_EACCES;
    case Error::unsupported: return KAAL_ENOSYS;
    case Error::not_enough_memory: return KAAL_ENOMEM;
    case Error::peer_restarted: return KAAL_ECONNRESET;
    case Error::peer_stopped: return KAAL_EPIPE;
    default: return KAAL_EIO; // the device, the service or its protocol failed
    }
}

// A FAT date and time (two-second steps), read as UTC: FAT stores no zone, and KaaL's
// filesystem writes UTC (civil_time.hpp).
std::uint64_t unix_seconds(std::uint16_t date, std::uint16_t time) {
    const unsigned month = (date >> 5U) & 0xfU;
    const unsigned day = date & 0x1fU;
    if (date == 0 || month < 1 || month > 12 || day < 1) {
        return 0; // never set
    }
    return kaal::services::time::unix_s_from_civil({
        .year = 1980U + (date >> 9U),
        .month = month,
        .day = day,
        .hour = std::min(23U, static_cast<unsigned>(time >> 11U)),
        .minute = std::min(59U, (time >> 5U) & 0x3fU),
        .second = std::min(59U, 2U * (time & 0x1fU)),
        .nanosecond = 0,
    });
}

kaal_sys_file_status to_sys(const fs::VfsStat& s) {
    return kaal_sys_file_status{
        .size = s.size,
        .modified_unix_s = unix_seconds(s.modified_date, s.modified_time),
        .directory = s.directory ? 1U : 0U,
        .read_only = (s.attributes & 0x01U) != 0 ? 1U : 0U,
    };
}

// The program's network, when its system description gives it one (the composer's
// PosixProgram `.network`): its own lwIP over the NetworkStack's queues, and the socket table
// over that. A template on the configuration's PosixNetwork, so that for a program without a
// network none of it is compiled and the linker takes no lwIP from kaal_posix_sockets.
template <typename Wiring>
class ProgramNetwork {
public:
    static constexpr bool present = Wiring::present;
    struct Absent {};
    using Sockets = std::conditional_t<present, kaal::posix::SocketTable, Absent>;

    // `isn_key`: TCP's secret for its initial sequence numbers (lwip_stack.hpp), from the
    // entropy source if the program has one, else zero, for the stack to make its own.
    [[nodiscard]] bool start([[maybe_unused]] const kaal::SipHashKey& isn_key) {
        if constexpr (present) {
            auto stack = kaal::services::net::LwipStack::start({
                .rx_queue = Wiring::rx_queue,
                .rx_data = Wiring::rx_data,
                .rx_data_size = Wiring::rx_data_size,
                .tx_queue = Wiring::tx_queue,
                .tx_data = Wiring::tx_data,
                .tx_data_size = Wiring::tx_data_size,
                .rx = Wiring::rx,
                .tx = Wiring::tx,
                .address = Wiring::address,
                .isn_key = isn_key,
            });
            if (!stack) {
                kaal::debug::print("posix: ", config::pd_name,
                                   ": FAILED: the IP stack did not start: ", stack.error(), "\n");
                return false;
            }
            stack_ = *stack;
            sockets_.emplace(**stack);
        }
        return true;
    }

    [[nodiscard]] kaal::ChannelSet channels() const {
        if constexpr (present) {
            return {Wiring::rx, Wiring::tx};
        }
        return {};
    }
    void notified(kaal::Channel ch) {
        if constexpr (present) {
            static_cast<void>(stack_->notified(ch));
        }
    }
    void run_timers() {
        if constexpr (present) {
            stack_->poll_timers();
        }
    }
    // Nanoseconds until lwIP wants its timers run, or nullopt: no network, or nothing due.
    [[nodiscard]] std::optional<std::uint64_t> timers_due_in_ns() const {
        if constexpr (present) {
            const std::uint32_t ms = stack_->next_timeout_ms();
            if (ms != 0xffff'ffffU) {
                return std::uint64_t{ms} * 1'000'000U;
            }
        }
        return std::nullopt;
    }
    Sockets& sockets() { return *sockets_; }

private:
    std::conditional_t<present, kaal::services::net::LwipStack*, Absent> stack_{};
    std::optional<Sockets> sockets_;
};

using Network = ProgramNetwork<config::PosixNetwork>;

// The program's entropy source, when its description gives it one (PosixProgram `.entropy`):
// a template on the configuration's PosixEntropy, as ProgramNetwork is.
template <typename Wiring>
class ProgramEntropy {
public:
    static constexpr bool present = Wiring::present;

    [[nodiscard]] bool start() {
        if constexpr (present) {
            auto client = kaal::services::entropy::EntropyClient::attach(
                Wiring::data, Wiring::data_size, Wiring::channel);
            if (!client) {
                kaal::debug::print("posix: ", config::pd_name,
                                   ": FAILED: no entropy source: ", client.error(), "\n");
                return false;
            }
            client_.emplace(*client);
        }
        return true;
    }

    // getrandom's contract (Linux's getrandom(2), which POSIX leaves to the system): at least
    // one byte, waiting for the device if it must, or what there is now without waiting.
    long random(std::span<std::uint8_t> out, bool nonblock) {
        if constexpr (present) {
            if (out.empty()) {
                return 0;
            }
            auto got = client_->try_read(out);
            if (got && *got == 0 && !nonblock) {
                // The pool was dry: read() waits for the refill the short answer asked for.
                const auto some = out.first(std::min<std::size_t>(out.size(), 256));
                if (auto filled = client_->read(some); !filled) {
                    return -KAAL_EIO;
                }
                return static_cast<long>(some.size());
            }
            if (!got) {
                return -KAAL_EIO; // the device failed, and the pool is empty
            }
            return *got == 0 ? -KAAL_EAGAIN : static_cast<long>(*got);
        } else {
            static_cast<void>(out);
            static_cast<void>(nonblock);
            return -KAAL_ENOSYS;
        }
    }

    // 16 bytes from the device for a secret, or zero without a source (or if it failed).
    kaal::SipHashKey secret() {
        kaal::SipHashKey key{};
        if constexpr (present) {
            if (!client_->read(key)) {
                key = {};
            }
        }
        return key;
    }

private:
    std::optional<kaal::services::entropy::EntropyClient> client_;
};

using Entropy = ProgramEntropy<config::PosixEntropy>;

class PosixProgram {
public:
    void init() {
        if (!attach()) {
            return;
        }
        const int exit_status = kaal_posix_run();
        // The program is the system's reason to run: once it has exited, what it wrote goes to
        // the disk, as an operating system writes its cache back when it shuts down. Whoever
        // sees the exit line may cut the power.
        if (auto synced = vfs_.sync(); !synced) {
            kaal::debug::print("posix: ", config::pd_name,
                               ": FAILED: sync after exit: ", synced.error(), "\n");
        }
        // Through the console queue, behind everything the program printed: the debug UART
        // would overtake lines still in the queue, and whoever sees this line may stop QEMU.
        std::array<char, 16> digits{};
        for (const std::string_view part :
             {std::string_view{"posix: "}, std::string_view{config::pd_name},
              std::string_view{" exited with status "}, decimal(exit_status, digits),
              std::string_view{"\n"}}) {
            static_cast<void>(console_write({part.data(), part.size()}));
        }
    }

    // After main: the network alone still has work, the closing handshakes of connections the
    // program closed (a FIN to retransmit, the peer's to acknowledge). Everything else that
    // comes has nobody to go to.
    void notified(kaal::Channel ch) {
        if (!time_) {
            return; // attach() failed: nothing was started
        }
        if (ch == config::time) {
            time_->drain([](const kaal::services::time::FiredTimeout&) {});
        } else if (ch != config::serial_rx && ch != config::serial_tx) {
            network_.notified(ch);
        }
        network_.run_timers();
    }

    // The system interface, one member per call.
    long console_write(std::span<const char> bytes);
    long console_read(std::span<char> out, bool nonblock);
    // Takes what has been typed into the line buffer without waiting: true if a read would not
    // wait. drain() has asked for a signal when it returns, so a wait after it sleeps through
    // nothing.
    bool console_ready();
    int wait(std::uint64_t deadline_ns);
    int sleep(std::uint64_t ns);
    int open(const char* path, std::uint32_t flags);
    template <typename T>
    [[nodiscard]] static long value(kaal::Result<T> r, std::string_view path = {}) {
        return r ? static_cast<long>(*r) : -static_cast<long>(to_errno(r.error(), path));
    }
    [[nodiscard]] static int status(kaal::Status s, std::string_view path = {}) {
        return s ? 0 : -to_errno(s.error(), path);
    }
    Vfs& vfs() { return vfs_; }
    TimeClient& time() { return *time_; }
    Network& network() { return network_; }
    Entropy& entropy() { return entropy_; }

private:
    bool attach() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console || !input) {
            kaal::debug::print("posix: ", config::pd_name, ": FAILED: no console\n");
            return false;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        if (!TimeClient::attach(time_, config::time_clock, config::time_fired, config::time)) {
            kaal::debug::print("posix: ", config::pd_name, ": FAILED: no time service\n");
            return false;
        }
        const fs::MountWiring* failed = nullptr;
        if (auto s = fs::mount_all(mounts, clients_, vfs_, failed); !s) {
            kaal::debug::print("posix: ", config::pd_name, ": FAILED: cannot mount ",
                               failed->mount_point, ": ", s.error(), "\n");
            return false;
        }
        // The entropy source first: the network's TCP takes its secret from it.
        return entropy_.start() && network_.start(entropy_.secret());
    }

    // Has the time service wake the program by `at_ns` (monotonic), with one timeout armed at a
    // time: a later one stays, an earlier one replaces it.
    kaal::Status wake_by(std::uint64_t at_ns);
    // Drains the fired queue: true if the alarm wake_by armed was in it.
    bool take_alarm();

    static std::string_view decimal(int value, std::array<char, 16>& digits) {
        auto magnitude = static_cast<unsigned>(value < 0 ? -(value + 1) : value) + (value < 0);
        std::size_t at = digits.size();
        do {
            digits[--at] = static_cast<char>('0' + magnitude % 10);
            magnitude /= 10;
        } while (magnitude != 0);
        if (value < 0) {
            digits[--at] = '-';
        }
        return {digits.data() + at, digits.size() - at};
    }

    // Lines typed, each with its '\n', waiting for read(): room for everything one drain can
    // take (the RX queue and a partial line), since a drain cannot stop half-way.
    static constexpr std::size_t typed_capacity =
        kaal::dddk::serial::queue_capacity + ConsoleReader::line_capacity + 1;

    std::optional<ConsoleWriter> console_;
    std::optional<ConsoleReader> input_;
    std::optional<TimeClient> time_;
    std::array<std::optional<Client>, mounts.size()> clients_;
    Vfs vfs_;
    std::array<char, typed_capacity> typed_{};
    std::size_t typed_start_ = 0;
    std::size_t typed_end_ = 0;
    bool end_of_input_ = false;
    Network network_;
    Entropy entropy_;
    // The one timeout wait() keeps armed, and when it fires (monotonic ns).
    std::optional<kaal::services::time::TimeoutId> alarm_;
    std::uint64_t alarm_at_ns_ = 0;
};

kaal::Status PosixProgram::wake_by(std::uint64_t at_ns) {
    if (alarm_ && alarm_at_ns_ <= at_ns) {
        return {};
    }
    if (alarm_) {
        // Too late for this wait. If it has fired meanwhile the cancel fails, and its entry in
        // the fired queue is drained as a stale one: either way it wakes nobody wrongly.
        static_cast<void>(time_->cancel(*alarm_));
        alarm_.reset();
    }
    const std::uint64_t now = time_->monotonic_ns();
    KAAL_TRY(const auto id, time_->after(0, at_ns > now ? at_ns - now : 0));
    alarm_ = id;
    alarm_at_ns_ = at_ns;
    return {};
}

// One step: sleeps until the console, the network or the time service notifies, or until the
// deadline or lwIP's next timer, then does what the notification asks, runs lwIP's timers and
// returns. The console needs nothing here: console_ready() takes what was typed when the caller
// looks. Channels notified together come one per step (wait_for_any holds the others).
int PosixProgram::wait(std::uint64_t deadline_ns) {
    std::optional<std::uint64_t> wake_at;
    if (deadline_ns != 0) {
        wake_at = deadline_ns;
    }
    if (const auto due = network_.timers_due_in_ns()) {
        const std::uint64_t at = time_->monotonic_ns() + *due;
        wake_at = wake_at ? std::min(*wake_at, at) : at;
    }
    if (wake_at) {
        if (auto armed = wake_by(*wake_at); !armed) {
            return -to_errno(armed.error());
        }
    }
    // The fired queue, drained before the wait as after it: a drain ends by asking the service
    // for a signal (time_client.hpp), without which the alarm would fire unsignalled and the
    // wait below sleep through it. An alarm already in the queue ends the step at once.
    if (!take_alarm()) {
        kaal::ChannelSet channels = network_.channels();
        channels.add(config::serial_rx).add(config::time);
        auto woke = kaal::wait_for_any(channels);
        if (!woke) {
            return -KAAL_EIO;
        }
        if (*woke == config::time) {
            static_cast<void>(take_alarm());
        } else if (*woke != config::serial_rx) {
            network_.notified(*woke);
        }
    }
    network_.run_timers();
    return 0;
}

bool PosixProgram::take_alarm() {
    bool rang = false;
    time_->drain([this, &rang](const kaal::services::time::FiredTimeout& fired) {
        if (alarm_ && fired.id == alarm_->id) {
            alarm_.reset();
            rang = true;
        }
    });
    return rang;
}

// Steps until the deadline, so that the network keeps running while the program sleeps.
int PosixProgram::sleep(std::uint64_t ns) {
    const std::uint64_t deadline = time_->monotonic_ns() + ns;
    while (time_->monotonic_ns() < deadline) {
        if (const int stepped = wait(deadline); stepped < 0) {
            return stepped;
        }
    }
    return 0;
}

// Whole, or not at all: the caller (write(2) on the console) returns only once every byte is in
// the TX queue, because main runs inside init() and no notified() would come to move a backlog
// on.
long PosixProgram::console_write(std::span<const char> bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const std::size_t piece = std::min(bytes.size() - done, ConsoleWriter::backlog_capacity);
        if (console_->write({bytes.data() + done, piece})) {
            done += piece;
            continue;
        }
        if (!console_->flush() && !kaal::wait_for(config::serial_tx)) {
            return done > 0 ? static_cast<long>(done) : -KAAL_EIO;
        }
    }
    while (!console_->flush()) {
        if (!kaal::wait_for(config::serial_tx)) {
            return -KAAL_EIO;
        }
    }
    return static_cast<long>(done);
}

// A terminal in canonical mode with ECHO (POSIX.1-2017, 11.1.6 and 11.2.5): input comes a line
// at a time and is echoed to the console as it is taken, so a person sees what they typed after
// the program's prompt; a line that is Ctrl-D alone is the end of the input, which read() reports
// once as 0 bytes.
bool PosixProgram::console_ready() {
    if (typed_start_ == typed_end_) {
        typed_start_ = typed_end_ = 0;
        input_->drain([this](std::string_view line) {
            if (line == "\x04") {
                end_of_input_ = true;
                return;
            }
            std::memcpy(typed_.data() + typed_end_, line.data(), line.size());
            typed_end_ += line.size();
            typed_[typed_end_++] = '\n';
            static_cast<void>(console_write({line.data(), line.size()}));
            static_cast<void>(console_write({"\n", 1}));
        });
    }
    return typed_start_ != typed_end_ || end_of_input_;
}

long PosixProgram::console_read(std::span<char> out, bool nonblock) {
    while (typed_start_ == typed_end_) {
        static_cast<void>(console_ready());
        if (typed_start_ != typed_end_) {
            break;
        }
        if (end_of_input_) {
            end_of_input_ = false;
            return 0;
        }
        if (nonblock) {
            return -KAAL_EAGAIN;
        }
        // drain() returned having asked for a signal and found the queue still empty, so a
        // line typed from here on notifies the channel: this wait cannot sleep through it.
        if (const int stepped = wait(0); stepped < 0) {
            return stepped;
        }
    }
    // One line at most per read, as a terminal gives it.
    std::size_t n = 0;
    while (n < out.size() && typed_start_ < typed_end_) {
        const char c = typed_[typed_start_++];
        out[n++] = c;
        if (c == '\n') {
            break;
        }
    }
    return static_cast<long>(n);
}

int PosixProgram::open(const char* path, std::uint32_t flags) {
    const std::string_view p{path};
    return static_cast<int>(value(vfs_.open(p, flags), p));
}

PosixProgram* program = nullptr;

} // namespace

// The component's one instance; the system interface's functions reach it here.
struct PosixProgramComponent : PosixProgram {
    PosixProgramComponent() { program = this; }
};
KAAL_COMPONENT(PosixProgramComponent);

extern "C" {

long kaal_sys_console_write(int stream, const void* bytes, size_t length) {
    static_cast<void>(stream); // stdout and stderr share the PD's one console queue
    return program->console_write({static_cast<const char*>(bytes), length});
}

long kaal_sys_console_read(void* bytes, size_t length, int nonblock) {
    return program->console_read({static_cast<char*>(bytes), length}, nonblock != 0);
}

int kaal_sys_console_ready(void) {
    return program->console_ready() ? 1 : 0;
}

int kaal_sys_wait(uint64_t deadline_ns) {
    return program->wait(deadline_ns);
}

int kaal_sys_open(const char* path, uint32_t flags) {
    return program->open(path, flags);
}

int kaal_sys_close(int handle) {
    return PosixProgram::status(program->vfs().close(handle));
}

long kaal_sys_read(int handle, void* bytes, size_t length) {
    return program->value(program->vfs().read(handle, {static_cast<std::uint8_t*>(bytes), length}));
}

long kaal_sys_write(int handle, const void* bytes, size_t length) {
    return program->value(
        program->vfs().write(handle, {static_cast<const std::uint8_t*>(bytes), length}));
}

long kaal_sys_pread(int handle, void* bytes, size_t length, uint64_t offset) {
    return program->value(
        program->vfs().pread(handle, {static_cast<std::uint8_t*>(bytes), length}, offset));
}

long kaal_sys_pwrite(int handle, const void* bytes, size_t length, uint64_t offset) {
    return program->value(
        program->vfs().pwrite(handle, {static_cast<const std::uint8_t*>(bytes), length}, offset));
}

int kaal_sys_seek(int handle, int64_t offset, int whence, uint64_t* to) {
    constexpr std::array whences{fs::Whence::set, fs::Whence::current, fs::Whence::end};
    if (whence < 0 || whence > 2) {
        return -KAAL_EINVAL;
    }
    auto moved = program->vfs().seek(handle, offset, whences[static_cast<std::size_t>(whence)]);
    if (!moved) {
        return -to_errno(moved.error());
    }
    *to = *moved;
    return 0;
}

int kaal_sys_truncate(int handle, uint64_t size) {
    return PosixProgram::status(program->vfs().truncate(handle, size));
}

int kaal_sys_fsync(int handle) {
    return PosixProgram::status(program->vfs().fsync(handle));
}

int kaal_sys_stat(const char* path, kaal_sys_file_status* out) {
    auto s = program->vfs().stat(path);
    if (!s) {
        return -to_errno(s.error(), path);
    }
    *out = to_sys(*s);
    return 0;
}

int kaal_sys_fstat(int handle, kaal_sys_file_status* out) {
    auto s = program->vfs().fstat(handle);
    if (!s) {
        return -to_errno(s.error());
    }
    *out = to_sys(*s);
    return 0;
}

int kaal_sys_readdir(int handle, kaal_sys_dirent* out) {
    fs::VfsDirEntry entry{};
    auto more = program->vfs().readdir(handle, entry);
    if (!more) {
        return -to_errno(more.error());
    }
    if (!*more) {
        return 0;
    }
    static_assert(sizeof out->name >= sizeof entry.name);
    std::memcpy(out->name, entry.name.data(), entry.name_len + 1);
    out->stat = to_sys(entry.stat);
    return 1;
}

int kaal_sys_unlink(const char* path) {
    return PosixProgram::status(program->vfs().unlink(path), path);
}

int kaal_sys_rename(const char* from, const char* to) {
    const auto moved = program->vfs().rename(from, to);
    // The VFS's unsupported is a rename across two services: POSIX's EXDEV.
    if (!moved && moved.error() == Error::unsupported) {
        return -KAAL_EXDEV;
    }
    return PosixProgram::status(moved, name_too_long(from) ? from : to);
}

int kaal_sys_mkdir(const char* path) {
    return PosixProgram::status(program->vfs().mkdir(path), path);
}

int kaal_sys_rmdir(const char* path) {
    return PosixProgram::status(program->vfs().rmdir(path), path);
}

uint64_t kaal_sys_monotonic_ns(void) {
    return program->time().monotonic_ns();
}

uint64_t kaal_sys_realtime_ns(void) {
    return program->time().realtime_ns();
}

uint64_t kaal_sys_clock_resolution_ns(void) {
    const std::uint64_t hz = program->time().hz();
    return (1'000'000'000 + hz - 1) / hz;
}

int kaal_sys_sleep_ns(uint64_t ns) {
    return program->sleep(ns);
}

} // extern "C"

namespace {

// `call(sockets)`, or -absent_error for a program without a network. The call is a generic
// lambda, whose body is only compiled where there is a socket table to call it with.
template <typename Call>
auto with_sockets(long absent_error, Call&& call) -> long {
    if constexpr (Network::present) {
        return call(program->network().sockets());
    } else {
        return -absent_error;
    }
}

} // namespace

extern "C" {

int kaal_sys_socket(int type) {
    return static_cast<int>(
        with_sockets(KAAL_EAFNOSUPPORT, [type](auto& sockets) { return sockets.open(type); }));
}

int kaal_sys_socket_close(int handle) {
    return static_cast<int>(
        with_sockets(KAAL_EBADF, [handle](auto& sockets) { return sockets.close(handle); }));
}

int kaal_sys_bind(int handle, const kaal_sys_endpoint* at) {
    return static_cast<int>(
        with_sockets(KAAL_EBADF, [&](auto& sockets) { return sockets.bind(handle, *at); }));
}

int kaal_sys_listen(int handle, int backlog) {
    return static_cast<int>(
        with_sockets(KAAL_EBADF, [&](auto& sockets) { return sockets.listen(handle, backlog); }));
}

int kaal_sys_accept(int handle, kaal_sys_endpoint* peer) {
    return static_cast<int>(
        with_sockets(KAAL_EBADF, [&](auto& sockets) { return sockets.accept(handle, peer); }));
}

int kaal_sys_connect(int handle, const kaal_sys_endpoint* to) {
    return static_cast<int>(
        with_sockets(KAAL_EBADF, [&](auto& sockets) { return sockets.connect(handle, *to); }));
}

long kaal_sys_send(int handle, const void* bytes, size_t length, const kaal_sys_endpoint* to) {
    return with_sockets(KAAL_EBADF, [&](auto& sockets) {
        return sockets.send(handle, {static_cast<const std::uint8_t*>(bytes), length}, to);
    });
}

long kaal_sys_receive(int handle, void* bytes, size_t length, kaal_sys_endpoint* from, int peek) {
    return with_sockets(KAAL_EBADF, [&](auto& sockets) {
        return sockets.receive(handle, {static_cast<std::uint8_t*>(bytes), length}, from,
                               peek != 0);
    });
}

int kaal_sys_shutdown(int handle, int read, int write) {
    return static_cast<int>(with_sockets(KAAL_EBADF, [&](auto& sockets) {
        return sockets.shutdown(handle, read != 0, write != 0);
    }));
}

int kaal_sys_socket_name(int handle, int peer, kaal_sys_endpoint* out) {
    return static_cast<int>(with_sockets(
        KAAL_EBADF, [&](auto& sockets) { return sockets.name(handle, peer != 0, out); }));
}

int kaal_sys_socket_option(int handle, int option, const int* value) {
    return static_cast<int>(with_sockets(
        KAAL_EBADF, [&](auto& sockets) { return sockets.option(handle, option, value); }));
}

unsigned kaal_sys_socket_events(int handle) {
    return static_cast<unsigned>(with_sockets(
        0, [handle](auto& sockets) { return static_cast<long>(sockets.events(handle)); }));
}

long kaal_sys_random(void* bytes, size_t length, int nonblock) {
    return program->entropy().random({static_cast<std::uint8_t*>(bytes), length}, nonblock != 0);
}

void kaal_sys_heap(uintptr_t* base, size_t* bytes) {
    *base = config::posix_heap;
    *bytes = config::posix_heap_size;
}

int kaal_sys_pid(void) {
    return config::posix_pid;
}

} // extern "C"
