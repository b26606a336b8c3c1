#include "xl_moves.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../toolstack/adapters/xen_host.h"
#include "../toolstack/adapters/xl_config.h"
#include "../toolstack/core/error.h"
#include "../toolstack/core/guest.h"
#include "../toolstack/import/fingerprint.h"
#include "../toolstack/import/save_image.h"
#include "move_limits.h"
#include "private_files.h"
#include "process.h"
#include "remote_command.h"
#include "running_config.h"
#include "xl_output.h"

namespace cpucompat {

namespace {

constexpr const char *kSavedDir = "/var/lib/cpucompat/migrated";
using limits::kAskSeconds;
using limits::kCreateSeconds;
using limits::kGoneSeconds;
using limits::kHoldSeconds;
using limits::kSignOfLifeSeconds;

// retry: run again once if ssh itself failed (255); only for reads and
// idempotent commands (a 255 may also mean the command ran and the link died).
ProcessResult must(const std::vector<std::string> &argv, const std::string &what, bool retry = false) {
    ProcessResult r = run_captured(argv, kAskSeconds);
    if (retry && r.status == 255) r = run_captured(argv, kAskSeconds);
    if (r.timed_out) throw Error(what + ": no answer in " + std::to_string(static_cast<int>(kAskSeconds)) + " s");
    if (r.status != 0) {
        std::string why = first_line(r.err + "\n" + r.out);
        if (why.empty()) why = "exit status " + std::to_string(r.status);
        throw Error(what + ": " + why);
    }
    return r;
}

}  // namespace

DomainFacts gather_domain(const std::string &domain, const std::string &config_file) {
    DomainFacts d;
    const std::string what = "xl list -l " + domain;
    const nlohmann::json j = listed_domains_json(must({"xl", "list", "-l", domain}, what).out, what);
    if (j.empty() || !j[0].contains("config")) throw Error(what + ": no domain config in its output");
    const auto &config = j[0]["config"];
    d.domid = j[0].value("domid", 0u);
    d.name = config_domain_name(config);
    d.uuid = config["c_info"].value("uuid", "");
    d.guest = config_guest_type(config);
    d.libxl_config = config;
    d.record = config_record(config, "domain " + d.name);
    const auto &b = config.value("b_info", nlohmann::json::object());
    d.memory_kb = b.value("max_memkb", 0ull);
    for (const char *k : {"kernel", "ramdisk"})
        if (b.contains(k) && b[k].is_string() && !b[k].get<std::string>().empty()) d.paths.push_back(b[k]);
    for (const auto &disk : config.value("disks", nlohmann::json::array()))
        if (disk.contains("pdev_path") && disk["pdev_path"].is_string() && !disk["pdev_path"].get<std::string>().empty()) {
            d.paths.push_back(disk["pdev_path"]);
            d.disks.push_back(disk["pdev_path"]);
        }
    d.policy = d.record ? d.record->policy : read_domain_policy(d.domid);
    const XenCapabilities caps = read_xen_capabilities();
    d.live = live_capability(d.guest == GuestType::pv, caps.hap, caps.shadow);
    // xl 4.17 keeps only libxl's JSON of a domain, and xl create reads only
    // xl.cfg syntax: a restart elsewhere needs the config file itself.
    d.config_path = config_file.empty() ? "/etc/xen/" + d.name + ".cfg" : config_file;
    // A domain a restart brought here was started from the config kept for
    // its uuid: that is the one it runs with, and it can move on from it.
    const std::string kept = std::string(kSavedDir) + "/" + d.uuid + ".cfg";
    if (config_file.empty() && !std::filesystem::exists(d.config_path) && std::filesystem::exists(kept)) d.config_path = kept;
    std::ifstream in(d.config_path);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        d.config_text = ss.str();
    }
    return d;
}

std::vector<std::string> disable_autostart(const std::string &domain, const std::string &receiver, const std::string &auto_dir) {
    std::vector<std::string> done;
    std::error_code ec;
    for (const auto &f : std::filesystem::directory_iterator(auto_dir, ec)) {
        const std::string name = f.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::string names;
        try {
            names = xl_config_domain_name(f.path().string(), {});
        } catch (const Error &) {
            continue;  // not a config xl can read: xendomains cannot start it either
        }
        if (names != domain) continue;
        std::string host;
        for (char c : receiver) host += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
        const std::string to = auto_dir + "/." + name + ".moved-to-" + host;
        if (std::rename(f.path().c_str(), to.c_str()) == 0) done.push_back(to);
        else done.push_back("cannot rename " + f.path().string() + ": " + std::strerror(errno));
    }
    return done;
}

RestartFit restart_fit(const DomainFacts &d, const LoadedGuestTable &table) {
    RestartFit f;
    if (!d.record) return f;
    try {
        f.mode = parse_mode(d.record->mode);
    } catch (const Error &) {
        return f;
    }
    f.guest_os = d.record->guest_os;
    if (const auto it = table.guests.find(f.guest_os); it != table.guests.end()) {
        try {
            f.guest_minimum = guest_minimum(it->second, table.levels, d.guest);
        } catch (const Error &) {
            // An entry whose level this build lacks: its needs are not
            // known here, so the receiver's plugin judges them.
        }
    }
    return f;
}

std::vector<std::string> list_guest_domains() {
    std::vector<std::string> names;
    for (const auto &dom : listed_domains_json(must({"xl", "list", "-l"}, "xl list -l").out, "xl list -l"))
        if (dom.value("domid", 0u) != 0 && dom.contains("config")) names.push_back(config_domain_name(dom["config"]));
    return names;
}

namespace {

// Where the shared ssh connections of moves keep their sockets.
constexpr const char *kSshControlDir = "/run/cpucompat/ssh";

// The ssh command of a move's own steps: keepalive, and one connection to
// the receiver that they share (remote_command.h), kept while the move may
// wait for its guest to shut down. Without a private directory for the
// socket, each command opens its own connection, as before.
std::string move_ssh(const MoveRequest &req) {
    const std::string ssh = with_keepalive(req.ssh);
    try {
        ensure_private_dir(kSshControlDir);
    } catch (const Error &) {
        return ssh;
    }
    return with_shared_connection(ssh, kSshControlDir, static_cast<int>(req.shutdown_timeout + kGoneSeconds + kAskSeconds));
}

}  // namespace

HostFacts gather_host_facts(const MoveRequest &req) {
    // One round trip; the reply is untrusted (host_facts.h reads it strictly).
    // It opens the connection a restart's steps go on to share.
    const std::string what = req.host + ": cpucompat facts";
    return host_facts_from_json(must(ssh_argv(move_ssh(req), req.host, {"cpucompat", "--json", "facts"}), what, true).out, what);
}

ReceiverFacts receiver_facts(const HostFacts &f, GuestType guest, const std::string &host) {
    const auto &max = guest == GuestType::pv ? f.pv_max : f.hvm_max;
    if (!max) throw Error(host + " runs no " + (guest == GuestType::pv ? "PV" : "HVM or PVH") + " guests (its Xen offers no such policy)");
    return {*max, f.free_kb};
}

ReceiverFacts gather_receiver(const MoveRequest &req, GuestType guest) {
    return receiver_facts(gather_host_facts(req), guest, req.host);
}

int run_live_migration(const MoveRequest &req, const std::string &domain) {
    // xl reads an empty name as domain 0: never hand it one.
    if (domain.empty()) throw Error("internal: xl migrate without a domain name");
    std::vector<std::string> argv{"xl", "migrate"};
    argv.insert(argv.end(), req.xl_options.begin(), req.xl_options.end());
    if (req.ssh != "ssh") argv.insert(argv.end(), {"-s", req.ssh});
    argv.insert(argv.end(), {domain, req.host});
    return run_passthrough(argv);
}

XlRestartSteps::XlRestartSteps(MoveRequest req, DomainFacts facts, ReceiverFacts receiver)
    : req_(std::move(req)), d_(std::move(facts)), r_(std::move(receiver)) {
    saved_ = std::string(kSavedDir) + "/" + d_.uuid + ".cfg";
    remote_cfg_ = saved_;
    if (d_.config_text.empty()) return;  // check_receiver says so
    try {
        const XlConfigDevices file = xl_config_devices(d_.config_text, d_.config_path);
        start_text_ = pin_to_running(d_.config_text, FileDevices{file.vifs, file.disk_targets},
                                     running_devices(d_.libxl_config, "domain " + d_.name), d_.uuid, d_.name, d_.config_path);
    } catch (const Error &e) {
        pin_error_ = e.what();
    }
}

XlRestartSteps::~XlRestartSteps() = default;

std::vector<std::string> XlRestartSteps::remote(const std::vector<std::string> &argv) const {
    return ssh_argv(move_ssh(req_), req_.host, argv);
}

ProcessResult XlRestartSteps::ask_receiver(const std::vector<std::string> &argv, const std::string &what) const {
    const double deadline = monotonic_seconds() + req_.link_timeout;
    for (;;) {
        const ProcessResult r = run_captured(remote(argv), kAskSeconds);
        if (r.status == 0) return r;
        const std::string why = r.timed_out ? "no answer in " + std::to_string(static_cast<int>(kAskSeconds)) + " s"
                                            : first_line(r.err + "\n" + r.out);
        if (r.status != 255 && !r.timed_out) throw Error(req_.host + ": " + what + ": " + why);
        if (monotonic_seconds() >= deadline)
            throw LinkLost(req_.host + ": " + what + ": unreachable for " + std::to_string(static_cast<int>(req_.link_timeout)) +
                           " s (" + why + ")");
        std::this_thread::sleep_for(std::chrono::seconds(3));
    }
}

std::string XlRestartSteps::receiver_domid() const {
    const auto id = domid_with_uuid(ask_receiver({"xl", "list", "-l"}, "xl list -l").out, d_.uuid, req_.host + ": xl list -l");
    return id ? std::to_string(*id) : "";
}

void XlRestartSteps::check_receiver() {
    if (d_.config_text.empty())
        throw Error(d_.config_path + ": cannot read the config file of " + d_.name + " (give it with --config)");
    if (!pin_error_.empty()) throw Error(pin_error_);
    if (r_.free_kb < d_.memory_kb)
        throw Error(req_.host + " has " + std::to_string(r_.free_kb / 1024) + " MiB free, " + d_.name + " needs " +
                    std::to_string(d_.memory_kb / 1024) + " MiB");
    std::vector<std::string> test{"sh", "-c", "for p; do test -e \"$p\" || { echo \"missing: $p\"; exit 1; }; done", "sh"};
    test.insert(test.end(), d_.paths.begin(), d_.paths.end());
    const ProcessResult r = run_captured(remote(test), kAskSeconds);
    if (r.timed_out) throw Error(req_.host + ": checking the domain's paths: no answer in " + std::to_string(static_cast<int>(kAskSeconds)) + " s (a hung mount?)");
    if (r.status != 0) throw Error(req_.host + ": " + first_line(r.out.empty() ? r.err : r.out));
    must(remote({"sh", "-c", "umask 077 && mkdir -p \"$1\" && printf '%s' \"$2\" > \"$3\"", "sh", kSavedDir, start_text_, remote_cfg_}),
         req_.host + ": copying the config", true);
    must(remote({"cpucompat", "create", "--check", remote_cfg_}), req_.host + ": cpucompat create --check", true);
}

void XlRestartSteps::save_config() {
    ensure_private_dir(kSavedDir);
    write_durably(saved_, start_text_);
}

std::vector<std::string> XlRestartSteps::create_overrides() const {
    // The same uuid on both hosts: it marks the copies of this domain, and
    // a start here again keeps the uuid it ran with.
    std::vector<std::string> o{"uuid=\"" + d_.uuid + "\""};
    if (d_.record) o.push_back("cpu_compat=\"" + d_.record->mode + "\"");
    // The guest it runs, checked there again by the plugin (a plain name:
    // record_from_json refuses anything else).
    if (d_.record && !d_.record->guest_os.empty()) o.push_back("cpu_compat_guest=\"" + d_.record->guest_os + "\"");
    return o;
}

bool XlRestartSteps::shutdown(bool force) {
    const ProcessResult r = run_captured({"xl", "shutdown", "-F", "-w", d_.name}, req_.shutdown_timeout);
    if (r.status == 0) return true;
    if (!r.timed_out) throw Error("xl shutdown: " + first_line(r.err));
    if (!force) return false;
    must({"xl", "destroy", d_.name}, "xl destroy " + d_.name);
    return true;
}

void XlRestartSteps::confirm_gone() {
    // xl shutdown -w returns once the guest has shut down; xl then destroys
    // the domain, which takes a while when it has disks (the hotplug
    // scripts run): asked again until it is gone, by uuid.
    const double deadline = monotonic_seconds() + kGoneSeconds;
    for (;;) {
        const ProcessResult r = run_captured({"xl", "list", "-l"}, kAskSeconds);
        if (r.status != 0) throw Error("xl list -l: " + (r.timed_out ? std::string("no answer in time") : first_line(r.err)));
        const auto found = domid_with_uuid(r.out, d_.uuid, "xl list -l");
        if (!found) return;
        const uint32_t domid = *found;
        // Still running (not shut down, not dying): it is not going away.
        const ProcessResult one = run_captured({"xl", "list", std::to_string(domid)}, kAskSeconds);
        const auto listed = one.status == 0 ? listed_domain(one.out) : std::nullopt;
        if (listed && listed->state.find_first_of("sd") == std::string::npos)
            throw Error(d_.name + " still exists here (domid " + std::to_string(domid) + ", state " + listed->state + ")");
        if (monotonic_seconds() >= deadline)
            throw Error(d_.name + " still exists here (domid " + std::to_string(domid) + ") " +
                        std::to_string(static_cast<int>(kGoneSeconds)) + " s after it shut down");
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
}

void XlRestartSteps::check_storage() {
    if (req_.storage_check == StorageCheck::none || d_.disks.empty()) return;
    const ProcessResult mine = run_captured(disk_identity_command(d_.disks), kAskSeconds);
    if (mine.status != 0)
        throw Error("reading the disks here: " + (mine.timed_out ? std::string("no answer in time (a hung mount?)") : first_line(mine.err)));
    const auto here = parse_disk_identities(mine.out, d_.disks.size(), "this host");
    const auto there = parse_disk_identities(ask_receiver(disk_identity_command(d_.disks), "reading the disks").out, d_.disks.size(),
                                             req_.host);
    const std::string why = compare_disks(d_.disks, here, there, req_.host);
    if (!why.empty()) throw Error(why);
}

XlRestartSteps::HeldEnd XlRestartSteps::end_held() {
    HeldEnd e{held_->timed_out(), held_->finish(kAskSeconds), ""};
    e.why = reason_line(held_->err());
    held_.reset();
    return e;
}

std::string XlRestartSteps::describe(const HeldEnd &e) {
    if (e.timed_out) return "no answer in time" + (e.why.empty() ? "" : " (" + e.why + ")");
    const std::string why = e.why.empty() ? "exit status " + std::to_string(e.status) : e.why;
    return e.status == 255 ? "the link failed: " + why : why;
}

void XlRestartSteps::create_paused_on_receiver() {
    // The same uuid as on the sender: it marks the copy this move made, so
    // the receiver's copy is never confused with another domain of the
    // same name.
    std::vector<std::string> argv{"cpucompat", "create", "--hold", std::to_string(static_cast<int>(kHoldSeconds)), remote_cfg_};
    for (const auto &o : create_overrides()) argv.push_back(o);
    held_ = std::make_unique<Session>(remote(argv));
    const double deadline = monotonic_seconds() + kCreateSeconds;
    for (std::string line; held_->read_line(line, deadline - monotonic_seconds());)
        if (line.rfind("READY ", 0) == 0) return;
    throw Error(req_.host + ": cpucompat create: " + describe(end_held()));
}

void XlRestartSteps::commit_on_receiver() {
    if (!held_->write_line("go")) throw NotCommitted(req_.host + ": cpucompat create: " + describe(end_held()));
    std::string line;
    if (held_->read_line(line, kAskSeconds) && line == "RUNNING") {
        held_->finish(kAskSeconds);
        held_.reset();
        return;
    }
    const HeldEnd e = end_held();
    if (e.timed_out || e.status == 255 || e.status == -1)
        throw LinkLost(req_.host + ": no answer after telling it to run " + d_.name +
                       (e.why.empty() ? "" : " (the last it said: " + e.why + ")"));
    throw Error(req_.host + ": cpucompat create: " + describe(e));
}

void XlRestartSteps::confirm_running_on_receiver() {
    // A sign of life: the domain is there, not paused, and has used CPU
    // time. While ssh fails, asked again until the link timeout.
    const double give_up = monotonic_seconds() + kSignOfLifeSeconds;
    double unreachable_since = 0;
    std::string why;
    for (;;) {
        const ProcessResult r = run_captured(remote({"xl", "list", d_.name}), kAskSeconds);
        const double now = monotonic_seconds();
        if (r.status == 255 || r.timed_out) {
            why = r.timed_out ? "no answer" : first_line(r.err);
            if (unreachable_since == 0) unreachable_since = now;
            if (now - unreachable_since >= req_.link_timeout)
                throw LinkLost(req_.host + ": unreachable for " + std::to_string(static_cast<int>(req_.link_timeout)) +
                               " s while waiting for " + d_.name + " to run (" + why + ")");
        } else {
            unreachable_since = 0;
            const auto dom = r.status == 0 ? listed_domain(r.out) : std::nullopt;
            if (dom && dom->crashed()) throw Error(req_.host + ": " + d_.name + " crashed");
            if (dom && !dom->paused() && dom->cpu_seconds > 0) return;
            if (now >= give_up)
                throw Error(req_.host + ": " + d_.name + " shows no sign of life after " +
                            std::to_string(static_cast<int>(kSignOfLifeSeconds)) + " s");
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

bool XlRestartSteps::running_on_receiver() {
    const std::string domid = receiver_domid();
    if (domid.empty()) return false;
    std::optional<ListedDomain> dom;
    try {
        dom = listed_domain(ask_receiver({"xl", "list", domid}, "xl list " + domid).out);
    } catch (const LinkLost &) {
        throw;
    } catch (const Error &) {
        // Gone since it was found, or xl failed: only the first is "not there".
        if (receiver_domid().empty()) return false;
        throw;
    }
    if (!dom) throw Error(req_.host + ": xl list " + domid + ": output not understood");
    if (!dom->paused() && !dom->crashed()) return true;
    // Never told to run (or crashed): not a copy to keep.
    ask_receiver({"xl", "destroy", domid}, "xl destroy " + domid);
    return false;
}

void XlRestartSteps::destroy_on_receiver() {
    // Only the copy with this domain's uuid; none there is fine.
    const std::string domid = receiver_domid();
    if (!domid.empty()) ask_receiver({"xl", "destroy", domid}, "xl destroy " + domid);
}

void XlRestartSteps::start_on_sender() {
    std::vector<std::string> argv{self_exe(), "create", saved_};
    for (const auto &o : create_overrides()) argv.push_back(o);
    const ProcessResult r = run_captured(argv, kCreateSeconds);
    if (r.status != 0)
        throw Error("cpucompat create " + saved_ + ": " + (r.timed_out ? std::string("no result in time") : reason_line(r.err + "\n" + r.out)));
}

}  // namespace cpucompat
