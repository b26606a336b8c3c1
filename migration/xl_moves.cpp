#include "xl_moves.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../toolstack/adapters/xen_host.h"
#include "../toolstack/core/error.h"
#include "../toolstack/import/fingerprint.h"
#include "../toolstack/import/save_image.h"
#include "process.h"
#include "remote_command.h"

namespace cpucompat {

namespace {

constexpr const char *kSavedDir = "/var/lib/cpucompat/migrated";

// The first line that says something (ssh may lead with an empty one).
std::string first_line(const std::string &s) {
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        if (l.find_first_not_of(" \t\r") != std::string::npos && l.find("skipping hostkey check") == std::string::npos) return l;
    return "";
}

// retry: run again once if ssh itself failed (255); only for reads and
// idempotent commands (a 255 may also mean the command ran and the link died).
ProcessResult must(const std::vector<std::string> &argv, const std::string &what, bool retry = false) {
    ProcessResult r = run_captured(argv);
    if (retry && r.status == 255) r = run_captured(argv);
    if (r.status != 0) {
        std::string why = first_line(r.err + "\n" + r.out);
        if (why.empty()) why = "exit status " + std::to_string(r.status);
        throw Error(what + ": " + why);
    }
    return r;
}

std::string self_exe() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "cpucompat" : p.string();
}

}  // namespace

DomainFacts gather_domain(const std::string &domain, const std::string &config_file) {
    DomainFacts d;
    const ProcessResult list = must({"xl", "list", "-l", domain}, "xl list -l " + domain);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(list.out);
    } catch (const nlohmann::json::exception &e) {
        throw Error("xl list -l " + domain + ": not JSON (output_format=json in xl.conf?): " + e.what());
    }
    if (!j.is_array() || j.empty() || !j[0].contains("config")) throw Error("xl list -l " + domain + ": no domain config in its output");
    const auto &config = j[0]["config"];
    d.domid = j[0].value("domid", 0u);
    d.name = config_domain_name(config);
    d.uuid = config["c_info"].value("uuid", "");
    d.guest = config_guest_type(config);
    d.record = config_record(config, "domain " + d.name);
    const auto &b = config.value("b_info", nlohmann::json::object());
    d.memory_kb = b.value("max_memkb", 0ull);
    for (const char *k : {"kernel", "ramdisk"})
        if (b.contains(k) && b[k].is_string() && !b[k].get<std::string>().empty()) d.paths.push_back(b[k]);
    for (const auto &disk : config.value("disks", nlohmann::json::array()))
        if (disk.contains("pdev_path") && disk["pdev_path"].is_string()) d.paths.push_back(disk["pdev_path"]);
    d.policy = d.record ? d.record->policy : read_domain_policy(d.domid);
    // xl 4.17 keeps only libxl's JSON of a domain, and xl create reads only
    // xl.cfg syntax: a restart elsewhere needs the config file itself.
    d.config_path = config_file.empty() ? "/etc/xen/" + d.name + ".cfg" : config_file;
    std::ifstream in(d.config_path);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        d.config_text = ss.str();
    }
    return d;
}

ReceiverFacts gather_receiver(const MoveRequest &req, GuestType guest) {
    ReceiverFacts r;
    const std::string which = guest == GuestType::pv ? "pv-max" : "hvm-max";
    const ProcessResult fp = must(ssh_argv(req.ssh, req.host, {"cpucompat", "--json", "host", "--policy", which}),
                                  req.host + ": cpucompat host", true);
    try {
        r.max = policy_from_json(nlohmann::json::parse(fp.out), req.host + ": cpucompat host");
    } catch (const nlohmann::json::exception &e) {
        throw Error(req.host + ": cpucompat host: not JSON: " + e.what());
    }
    const ProcessResult info = must(ssh_argv(req.ssh, req.host, {"xl", "info"}), req.host + ": xl info", true);
    std::istringstream lines(info.out);
    for (std::string l; std::getline(lines, l);)
        if (l.rfind("free_memory", 0) == 0) r.free_kb = std::stoull(l.substr(l.find(':') + 1)) * 1024;
    return r;
}

int run_live_migration(const MoveRequest &req) {
    std::vector<std::string> argv{"xl", "migrate"};
    argv.insert(argv.end(), req.xl_options.begin(), req.xl_options.end());
    if (req.ssh != "ssh") argv.insert(argv.end(), {"-s", req.ssh});
    argv.insert(argv.end(), {req.domain, req.host});
    return run_passthrough(argv);
}

XlRestartSteps::XlRestartSteps(MoveRequest req, DomainFacts facts, ReceiverFacts receiver)
    : req_(std::move(req)), d_(std::move(facts)), r_(std::move(receiver)) {
    saved_ = std::string(kSavedDir) + "/" + d_.uuid + ".cfg";
    remote_cfg_ = saved_;
}

std::vector<std::string> XlRestartSteps::remote(const std::vector<std::string> &argv) const {
    return ssh_argv(req_.ssh, req_.host, argv);
}

void XlRestartSteps::check_receiver() {
    if (d_.config_text.empty())
        throw Error(d_.config_path + ": cannot read the config file of " + d_.name + " (give it with --config)");
    if (r_.free_kb < d_.memory_kb)
        throw Error(req_.host + " has " + std::to_string(r_.free_kb / 1024) + " MiB free, " + d_.name + " needs " +
                    std::to_string(d_.memory_kb / 1024) + " MiB");
    std::vector<std::string> test{"sh", "-c", "for p; do test -e \"$p\" || { echo \"missing: $p\"; exit 1; }; done", "sh"};
    test.insert(test.end(), d_.paths.begin(), d_.paths.end());
    const ProcessResult r = run_captured(remote(test));
    if (r.status != 0) throw Error(req_.host + ": " + first_line(r.out.empty() ? r.err : r.out));
    must(remote({"sh", "-c", "mkdir -p \"$1\" && printf '%s' \"$2\" > \"$3\"", "sh", kSavedDir, d_.config_text, remote_cfg_}),
         req_.host + ": copying the config", true);
    must(remote({"cpucompat", "create", "--check", remote_cfg_}), req_.host + ": cpucompat create --check", true);
}

void XlRestartSteps::save_config() {
    std::filesystem::create_directories(kSavedDir);
    std::ofstream out(saved_);
    out << d_.config_text;
    if (!out.flush()) throw Error(saved_ + ": cannot write the domain's config");
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
    if (run_captured({"xl", "domid", d_.name}).status == 0) throw Error(d_.name + " still exists here");
}

void XlRestartSteps::create_on_receiver() {
    // The same uuid as on the sender: it marks the copy this move made, so
    // destroy_on_receiver never touches another domain of the same name.
    std::vector<std::string> argv{"cpucompat", "create", remote_cfg_, "uuid=\"" + d_.uuid + "\""};
    if (d_.record) argv.push_back("cpu_compat=\"" + d_.record->mode + "\"");
    must(remote(argv), req_.host + ": cpucompat create");
}

void XlRestartSteps::confirm_running_on_receiver() {
    // A sign of life: the domain is there, not paused, and has used CPU time.
    for (int i = 0; i < 60; ++i) {
        const ProcessResult r = run_captured(remote({"xl", "list", d_.name}));
        std::istringstream lines(r.out);
        std::string header, line;
        std::getline(lines, header);
        if (r.status == 0 && std::getline(lines, line)) {
            std::istringstream cols(line);
            std::string name, id, mem, vcpus, state;
            double time = 0;
            cols >> name >> id >> mem >> vcpus >> state >> time;
            if (state.find('p') == std::string::npos && state.find('c') == std::string::npos && time > 0) return;
            if (state.find('c') != std::string::npos) throw Error(req_.host + ": " + d_.name + " crashed");
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    throw Error(req_.host + ": " + d_.name + " shows no sign of life after 60 s");
}

void XlRestartSteps::destroy_on_receiver() {
    // Only the copy with this domain's uuid; none there is fine.
    const ProcessResult r = must(remote({"xl", "list", "-l"}), req_.host + ": xl list -l", true);
    nlohmann::json all;
    try {
        all = nlohmann::json::parse(r.out);
    } catch (const nlohmann::json::exception &e) {
        throw Error(req_.host + ": xl list -l: not JSON: " + e.what());
    }
    for (const auto &dom : all) {
        if (!dom.contains("config") || dom["config"].value("c_info", nlohmann::json::object()).value("uuid", "") != d_.uuid) continue;
        must(remote({"xl", "destroy", std::to_string(dom.value("domid", 0u))}), req_.host + ": xl destroy", true);
    }
}

void XlRestartSteps::start_on_sender() { must({self_exe(), "create", saved_}, "cpucompat create " + saved_); }

}  // namespace cpucompat
