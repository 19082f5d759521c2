// SPDX-License-Identifier: BSD-2-Clause
// Building a description, allocating what the description leaves to the composer, and checking
// every rule before anything is written.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/system.hpp>

namespace kaal::composer {

namespace {

constexpr Word page = 0x1000;

std::string hex(Word value) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[value % 16]);
        value /= 16;
    } while (value != 0);
    return "0x" + out;
}

// Names become C++ identifiers in the configuration headers and XML attribute values.
bool is_identifier(const std::string& s) {
    if (s.empty() || (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}
bool is_pd_name(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
}

} // namespace

std::string identifier(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

std::string symbol_table_name(const Pd& pd) {
    return "kaal_symbols_" + identifier(pd.name());
}

const DeviceTable& device_table(Board board) {
    return board == Board::qemu_virt_aarch64 ? boards::qemu_virt_aarch64::table
                                             : boards::pc99_x86_64::table;
}

const char* board_name(Board board) {
    return board == Board::qemu_virt_aarch64 ? "qemu_virt_aarch64" : "pc99_x86_64";
}

// ---- building ------------------------------------------------------------------------------

Pd& Pd::priority(unsigned value, std::source_location at) {
    prio = value;
    prio_where = Place::of(at);
    return *this;
}

Pd& Pd::stack_size(Word bytes, std::source_location at) {
    stack = bytes;
    stack_where = Place::of(at);
    return *this;
}

Pd& Pd::map(Region& region, std::string var, Perms perms, std::source_location at) {
    maps.push_back({&region, std::move(var), 0, false, perms, !region.device, Place::of(at)});
    return *this;
}

Pd& Pd::map_at(Region& region, Word vaddr, std::string var, Perms perms, std::source_location at) {
    maps.push_back({&region, std::move(var), vaddr, true, perms, !region.device, Place::of(at)});
    return *this;
}

Pd& Pd::device(DeviceId id, std::string name, std::source_location at) {
    devices.push_back({id, std::move(name), -1, std::nullopt, Place::of(at)});
    return *this;
}

Pd& Pd::device_irq(std::string name, std::optional<int> channel_id, std::optional<Word> irq_number,
                   std::source_location at) {
    for (DeviceUse& d : devices) {
        if (d.name == name) {
            d.irq_id = channel_id.value_or(-1);
            d.irq_number = irq_number;
            d.where = Place::of(at);
            return *this;
        }
    }
    // Reported by compose() as an unknown name.
    devices.push_back({DeviceId{}, "?" + name, -1, irq_number, Place::of(at)});
    return *this;
}

Pd& Pd::child(Pd& c, unsigned id, std::source_location at) {
    c.parent = this;
    c.child_id = id;
    c.parent_where = Place::of(at);
    return *this;
}

Pd& Pd::constant(std::string name, std::string type, std::string value, std::source_location at) {
    constants.push_back({std::move(name), std::move(type), std::move(value), Place::of(at)});
    return *this;
}

Pd& Pd::section(ConfigSection s) {
    sections.push_back(std::move(s));
    return *this;
}

Pd& System::pd(std::string name, std::string component, std::source_location at) {
    return pds_.emplace_back(std::move(name), std::move(component), Place::of(at));
}

Region& System::region(std::string name, Word size, std::source_location at) {
    regions_.push_back({std::move(name), size, std::nullopt, false, Place::of(at)});
    return regions_.back();
}

Region& System::dma_region(std::string name, Word size, std::source_location at) {
    Region& r = region(std::move(name), size, at);
    r.dma = true;
    return r;
}

Region& System::device_memory(std::string name, Word paddr, Word size, std::source_location at) {
    regions_.push_back({std::move(name), size, paddr, true, Place::of(at)});
    return regions_.back();
}

Channel& System::channel(Pd& a, std::string a_name, Pd& b, std::string b_name,
                         std::source_location at) {
    channels_.push_back(
        {{&a, std::move(a_name), -1, false}, {&b, std::move(b_name), -1, false}, Place::of(at)});
    return channels_.back();
}

Channel& System::call(Pd& caller, std::string caller_name, Pd& callee, std::string callee_name,
                      std::source_location at) {
    Channel& c = channel(caller, std::move(caller_name), callee, std::move(callee_name), at);
    c.a.pp = true;
    return c;
}

std::size_t System::index_of(const Pd& pd) const {
    for (std::size_t i = 0; i < pds_.size(); ++i) {
        if (&pds_[i] == &pd) {
            return i;
        }
    }
    return pds_.size();
}

std::size_t System::index_of(const Region& region) const {
    for (std::size_t i = 0; i < regions_.size(); ++i) {
        if (&regions_[i] == &region) {
            return i;
        }
    }
    return regions_.size();
}

// ---- composing -----------------------------------------------------------------------------

std::vector<Problem> System::compose() {
    for (auto& hook : hooks_) {
        hook(*this);
    }
    hooks_.clear();
    std::vector<Problem> problems = early_;
    // Devices become regions of their own (Microkit maps their registers; runtime mode grants
    // their ports and IRQ instead).
    const DeviceTable& table = device_table(board_);
    for (Pd& p : pds_) {
        for (DeviceUse& d : p.devices) {
            const DeviceDesc* desc = table.find(d.id);
            if (d.name.starts_with("?")) {
                problems.push_back(
                    {d.where, "an IRQ is stated for a device the PD does not use",
                     "no device '" + d.name.substr(1) + "' in PD '" + p.name() + "'"});
                continue;
            }
            if (desc == nullptr || desc->kernel_owned) {
                problems.push_back({d.where, "a device must be one of the board's",
                                    std::string{board_name(board_)} + " has no device '" + d.name +
                                        "' a component may drive"});
                continue;
            }
            if (d.irq_number && *d.irq_number != desc->irq) {
                problems.push_back({d.where, "a device's IRQ is the board table's",
                                    "'" + d.name + "' is IRQ " + std::to_string(desc->irq) +
                                        " on " + board_name(board_) + ", not " +
                                        std::to_string(*d.irq_number)});
            }
            if (desc->mmio_size != 0) {
                const Word base = desc->mmio_paddr & ~(page - 1);
                const Word end = (desc->mmio_paddr + desc->mmio_size + page - 1) & ~(page - 1);
                regions_.push_back(
                    {identifier(p.name() + "_" + d.name), end - base, base, true, d.where});
                p.maps.push_back(
                    {&regions_.back(), d.name + "_regs", 0, false, Perms::rw, false, d.where});
            }
        }
    }
    if (!problems.empty()) {
        return problems;
    }
    allocate();
    validate(problems);
    return problems;
}

// Channel ids from 0 upwards per PD, around the ones pinned; mapping addresses from
// first_vaddr upwards per PD, each region on its own pages.
void System::allocate() {
    std::map<const Pd*, std::set<int>> taken;
    for (const Channel& c : channels_) {
        for (const ChannelEnd* e : {&c.a, &c.b}) {
            if (e->id >= 0) {
                taken[e->pd].insert(e->id);
            }
        }
    }
    for (const Pd& p : pds_) {
        for (const DeviceUse& d : p.devices) {
            if (d.irq_id >= 0) {
                taken[&p].insert(d.irq_id);
            }
        }
    }
    const auto next_id = [&taken](const Pd* p) {
        int id = 0;
        while (taken[p].contains(id)) {
            ++id;
        }
        taken[p].insert(id);
        return id;
    };
    for (Pd& p : pds_) {
        for (DeviceUse& d : p.devices) {
            const DeviceDesc* desc = device_table(board_).find(d.id);
            if (d.irq_id < 0 && desc != nullptr && desc->irq != no_irq) {
                d.irq_id = next_id(&p);
            }
        }
    }
    for (Channel& c : channels_) {
        for (ChannelEnd* e : {&c.a, &c.b}) {
            if (e->id < 0) {
                e->id = next_id(e->pd);
            }
        }
    }
    for (Pd& p : pds_) {
        // Upwards from first_vaddr, each mapping at the first place its alignment allows that
        // no pinned mapping holds (a restart page is pinned just below the images).
        Word next = first_vaddr;
        for (Map& m : p.maps) {
            if (m.pinned) {
                continue;
            }
            const Word align = m.region->dma ? Region::dma_page : page;
            Word at = (next + align - 1) & ~(align - 1);
            for (bool moved = true; moved;) {
                moved = false;
                for (const Map& pin : p.maps) {
                    if (pin.pinned && at < pin.vaddr + pin.region->span() &&
                        pin.vaddr < at + m.region->span()) {
                        at = (pin.vaddr + pin.region->span() + align - 1) & ~(align - 1);
                        moved = true;
                    }
                }
            }
            m.vaddr = at;
            next = at + m.region->span();
        }
    }
}

void System::validate(std::vector<Problem>& out) const {
    const auto add = [&out](const Place& where, std::string rule, std::string detail) {
        out.push_back({where, std::move(rule), std::move(detail)});
    };
    if (pds_.empty()) {
        add({}, "a system has a protection domain", "'" + name_ + "' has none");
    }
    if (pds_.size() > max_pds) {
        add(pds_[max_pds].where(), "a system has at most 63 protection domains (Microkit)",
            "this is PD number " + std::to_string(max_pds + 1));
    }
    std::map<std::string, const Pd*> pd_names;
    for (const Pd& p : pds_) {
        if (!is_pd_name(p.name()) || p.name().size() > max_name) {
            add(p.where(), "a PD name is 1 to 63 letters, digits, '_' or '-'",
                "'" + p.name() + "'");
        }
        if (auto [it, fresh] = pd_names.emplace(p.name(), &p); !fresh) {
            add(p.where(), "names are unique",
                "a PD named '" + p.name() + "' is already described at line " +
                    std::to_string(it->second->where().line));
        }
        if (!known_.empty() &&
            std::find(known_.begin(), known_.end(), p.component()) == known_.end()) {
            add(p.where(), "a PD's component is one the build makes",
                "no kaal_add_component() target '" + p.component() + "' (PD '" + p.name() + "')");
        }
        if (p.prio > max_priority) {
            add(p.prio_where.line != 0 ? p.prio_where : p.where(), "priorities are 0 to 254",
                "PD '" + p.name() + "' has " + std::to_string(p.prio));
        }
        if (p.stack < min_stack || p.stack > max_stack || p.stack % page != 0) {
            add(p.stack_where.line != 0 ? p.stack_where : p.where(),
                "a stack is 4 KiB to 16 MiB in whole pages",
                "PD '" + p.name() + "' asks for " + hex(p.stack));
        }
        if (p.parent != nullptr && board_ != Board::qemu_virt_aarch64) {
            add(p.parent_where, "child PDs exist in Microkit mode only",
                "PD '" + p.name() + "' on " + board_name(board_));
        }
    }
    std::map<std::string, const Region*> region_names;
    Word total = 0;
    for (const Region& r : regions_) {
        if (!is_identifier(r.name)) {
            add(r.where, "a region name is a C identifier", "'" + r.name + "'");
        }
        if (auto [it, fresh] = region_names.emplace(r.name, &r); !fresh) {
            add(r.where, "names are unique",
                "a region named '" + r.name + "' is already described at line " +
                    std::to_string(it->second->where.line));
        }
        if (r.size == 0 || r.size % page != 0) {
            add(r.where, "a region's size is a non-zero multiple of 4 KiB",
                "'" + r.name + "' is " + hex(r.size) + " bytes");
        }
        if (r.dma && r.size > Region::max_dma_size) {
            add(r.where, "a DMA region is at most 1 MiB (runtime mode: one retype of frames)",
                "'" + r.name + "' is " + hex(r.size) + " bytes");
        }
        if (!r.device) {
            total += board_ == Board::qemu_virt_aarch64 && r.dma ? Region::dma_page : r.size;
        }
        if (r.paddr && r.device) {
            bool on_board = false;
            const DeviceTable& table = device_table(board_);
            for (std::size_t i = 0; i < table.size(); ++i) {
                const Word base = table[i].mmio_paddr & ~(page - 1);
                on_board |= table[i].mmio_size != 0 && *r.paddr >= base &&
                            *r.paddr + r.size <= table[i].mmio_paddr + table[i].mmio_size + page;
            }
            if (!on_board) {
                add(r.where, "device memory lies in the board's device map",
                    "'" + r.name + "' at " + hex(*r.paddr));
            }
        }
    }
    // Shared memory the system can have: QEMU is started with 2 GiB (aarch64) or 512 MiB.
    const Word ram = board_ == Board::qemu_virt_aarch64 ? Word{1} << 30 : Word{256} << 20;
    if (total > ram) {
        add(regions_.empty() ? Place{} : regions_.back().where,
            "the regions fit the board's memory",
            hex(total) + " bytes of regions, more than " + hex(ram));
    }
    std::map<Word, std::string> irqs;
    for (const Pd& p : pds_) {
        // Names in one PD's configuration: channels, variables, constants, devices.
        std::map<std::string, Place> config_names;
        const auto config_name = [&](const std::string& n, const Place& where) {
            if (!is_identifier(n)) {
                add(where, "a configuration name is a C identifier",
                    "'" + n + "' in PD '" + p.name() + "'");
                return;
            }
            if (auto [it, fresh] = config_names.emplace(n, where); !fresh) {
                add(where, "names are unique",
                    "PD '" + p.name() + "' already has a configuration name '" + n + "' (line " +
                        std::to_string(it->second.line) + ")");
            }
        };
        for (const Map& m : p.maps) {
            config_name(m.var, m.where);
            if (m.vaddr % page != 0) {
                add(m.where, "a mapping is page-aligned",
                    "'" + m.var + "' at " + hex(m.vaddr) + " in PD '" + p.name() + "'");
            }
            if (m.region->dma && m.vaddr % Region::dma_page != 0) {
                add(m.where, "a DMA region is mapped at a 2 MiB boundary (one large page)",
                    "'" + m.var + "' at " + hex(m.vaddr) + " in PD '" + p.name() + "'");
            }
            if (m.vaddr < first_vaddr / 16) {
                add(m.where, "a mapping lies above the lowest 2 MiB",
                    "'" + m.var + "' at " + hex(m.vaddr));
            }
            if (m.vaddr + m.region->span() > first_image_base ||
                m.vaddr + m.region->span() < m.vaddr) {
                add(m.where, "a mapping lies below the PD images, which start at 1 GiB",
                    "'" + m.var + "' [" + hex(m.vaddr) + ", " + hex(m.vaddr + m.region->span()) +
                        ") in PD '" + p.name() + "'");
            }
        }
        for (std::size_t i = 0; i < p.maps.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                const Map& a = p.maps[i];
                const Map& b = p.maps[j];
                if (a.vaddr < b.vaddr + b.region->span() && b.vaddr < a.vaddr + a.region->span()) {
                    add(a.where, "a PD's mappings do not overlap",
                        "'" + a.var + "' [" + hex(a.vaddr) + ", " +
                            hex(a.vaddr + a.region->span()) + ") overlaps '" + b.var + "' in PD '" +
                            p.name() + "'");
                }
            }
        }
        for (const Pd::Constant& c : p.constants) {
            config_name(c.name, c.where);
        }
        std::map<int, Place> ids;
        const auto channel_id = [&](int id, const Place& where, const std::string& what) {
            if (id < 0 || id > max_channel_id) {
                add(where, "a channel id is 0 to 61 (Microkit: 62 channels per PD)",
                    "PD '" + p.name() + "' needs id " + std::to_string(id) + " for " + what +
                        ": serve more clients per channel");
                return;
            }
            if (auto [it, fresh] = ids.emplace(id, where); !fresh) {
                add(where, "a PD uses each channel id once",
                    "PD '" + p.name() + "' id " + std::to_string(id) + " (" + what +
                        ") is taken at line " + std::to_string(it->second.line));
            }
        };
        for (const DeviceUse& d : p.devices) {
            const DeviceDesc* desc = device_table(board_).find(d.id);
            if (desc == nullptr) {
                continue;
            }
            config_name(d.name + "_irq", d.where);
            if (desc->irq != no_irq) {
                channel_id(d.irq_id, d.where, "IRQ of '" + d.name + "'");
                if (auto [it, fresh] = irqs.emplace(desc->irq, p.name() + "." + d.name); !fresh) {
                    add(d.where, "an IRQ goes to one PD",
                        "IRQ " + std::to_string(desc->irq) + " of '" + d.name +
                            "' is already delivered to " + it->second);
                }
            }
        }
        for (const Channel& c : channels_) {
            for (const ChannelEnd* e : {&c.a, &c.b}) {
                if (e->pd == &p) {
                    config_name(e->name, c.where);
                    channel_id(e->id, c.where, "'" + e->name + "'");
                }
            }
        }
    }
    for (const Channel& c : channels_) {
        if (c.a.pd == c.b.pd) {
            add(c.where, "a channel joins two different PDs", "PD '" + c.a.pd->name() + "'");
        }
        // Microkit manual, "Protected procedure": a PD may only call one of strictly higher
        // priority, so the callee runs at once and cannot be preempted by its caller.
        if (c.a.pp && c.b.pd->prio <= c.a.pd->prio) {
            add(c.where, "a PPC callee has a higher priority than its caller",
                "'" + c.b.pd->name() + "' (" + std::to_string(c.b.pd->prio) + ") is called by '" +
                    c.a.pd->name() + "' (" + std::to_string(c.a.pd->prio) + ")");
        }
        for (const Channel& o : channels_) {
            if (&o == &c) {
                break;
            }
            const bool same =
                (o.a.pd == c.a.pd && o.b.pd == c.b.pd) || (o.a.pd == c.b.pd && o.b.pd == c.a.pd);
            if (same && o.a.name == c.a.name) {
                add(c.where, "names are unique",
                    "a channel '" + c.a.name + "' between '" + c.a.pd->name() + "' and '" +
                        c.b.pd->name() + "' is already described at line " +
                        std::to_string(o.where.line));
            }
        }
    }
}

} // namespace kaal::composer
