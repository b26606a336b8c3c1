// The edge of `cpucompat migrate`: what xl and ssh say about the domain and
// the receiver, and the steps of each kind of move, run with xl and ssh.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../toolstack/import/domain_record.h"
#include "../toolstack/import/guest_table.h"
#include "decision.h"
#include "host_facts.h"
#include "process.h"
#include "restart.h"
#include "storage_check.h"
#include "xl_output.h"

namespace cpucompat {

struct MoveRequest {
    std::string domain, host, ssh = "ssh";
    std::string config;  // the domain's xl config file; default /etc/xen/NAME.cfg
    double shutdown_timeout = 120;
    // After the link to the receiver fails mid-move: how long to keep
    // asking it what it has of the domain before reporting "unknown".
    double link_timeout = 120;
    std::vector<std::string> xl_options;  // passed to xl migrate
    StorageCheck storage_check = StorageCheck::digest;
};

struct DomainFacts {
    std::string name, uuid;
    uint32_t domid = 0;
    GuestType guest = GuestType::hvm;
    Policy policy;                       // from its record, else read from Xen
    std::optional<DomainRecord> record;
    std::string config_path, config_text;  // its xl config file (xl keeps none of its own)
    uint64_t memory_kb = 0;
    std::vector<std::string> paths;      // kernel, ramdisk, disks: must exist on the receiver
    std::vector<std::string> disks;      // its disks alone: the same on both hosts for a restart
    nlohmann::json libxl_config;         // libxl's stored config of the running domain (`xl list -l`)
    LiveCapability live;                 // whether this host's Xen can move it live
};
// config: the domain's xl config file, or "" for /etc/xen/NAME.cfg; a
// missing file is not an error here (only a restart needs it).
DomainFacts gather_domain(const std::string &domain, const std::string &config);

// A domain that now runs on `receiver` must not be started here again by
// xendomains at the next boot: each entry of /etc/xen/auto (xendomains'
// XENDOMAINS_AUTO) whose config names the domain is renamed to
// ".FILE.moved-to-RECEIVER" (xendomains skips dotfiles). Returns the new
// names; what cannot be renamed is returned as "cannot rename PATH: why".
std::vector<std::string> disable_autostart(const std::string &domain, const std::string &receiver,
                                           const std::string &auto_dir = "/etc/xen/auto");

// What a restart must give the domain (decision.h): its record's mode, and
// its guest's needs from `table` (load_guest_table()). A record whose mode
// this build cannot read, or a guest its table does not list, is left to
// the receiver's plugin.
RestartFit restart_fit(const DomainFacts &d, const LoadedGuestTable &table);

// The names of the domains running here, Domain-0 left out.
std::vector<std::string> list_guest_domains();

struct ReceiverFacts {
    Policy max;      // PV or HVM max, as fits the domain
    uint64_t free_kb = 0;
};
// `cpucompat --json facts` on req.host, one ssh round trip.
HostFacts gather_host_facts(const MoveRequest &req);
// The max policy for this kind of guest and the free memory; Error if the
// host runs no such guests.
ReceiverFacts receiver_facts(const HostFacts &f, GuestType guest, const std::string &host);
ReceiverFacts gather_receiver(const MoveRequest &req, GuestType guest);

// xl migrate of `domain` (its name, as gathered) to req.host, with xl's
// own progress on this terminal.
int run_live_migration(const MoveRequest &req, const std::string &domain);

// The restart steps with xl here and `cpucompat create --hold` there
// (held_create.h), over ssh with keepalive.
class XlRestartSteps : public RestartSteps {
public:
    XlRestartSteps(MoveRequest req, DomainFacts facts, ReceiverFacts receiver);
    ~XlRestartSteps() override;
    void check_receiver() override;
    void save_config() override;
    bool shutdown(bool force) override;
    void confirm_gone() override;
    void check_storage() override;
    void create_paused_on_receiver() override;
    void commit_on_receiver() override;
    void confirm_running_on_receiver() override;
    bool running_on_receiver() override;
    void destroy_on_receiver() override;
    void start_on_sender() override;
    const std::string &saved_config() const { return saved_; }
    // The text a restart starts it from: the config file pinned to what it
    // ran with (running_config.h).
    const std::string &start_config() const { return start_text_; }
    // KEY=VALUE for cpucompat create on either host: the uuid (and mode) it ran with.
    std::vector<std::string> create_overrides() const;

private:
    std::vector<std::string> remote(const std::vector<std::string> &argv) const;
    // Runs a read-only or idempotent command on the receiver, again while
    // ssh itself fails (255) until the link timeout; LinkLost after that.
    ProcessResult ask_receiver(const std::vector<std::string> &argv, const std::string &what) const;
    // The receiver's domid of the copy with this domain's uuid, "" if none.
    std::string receiver_domid() const;
    // How the held create's ssh session ended: no answer in time, its exit
    // status (-1 if killed), and the reason line of its stderr.
    struct HeldEnd {
        bool timed_out;
        int status;
        std::string why;
    };
    HeldEnd end_held();
    // The same as a one-line reason for a failure.
    static std::string describe(const HeldEnd &e);
    MoveRequest req_;
    DomainFacts d_;
    ReceiverFacts r_;
    std::string saved_;       // local copy of the config
    std::string remote_cfg_;  // its copy on the receiver
    std::string start_text_;  // the config file pinned to what the domain ran with
    std::string pin_error_;   // why it could not be pinned: check_receiver refuses
    std::unique_ptr<Session> held_;  // cpucompat create --hold there
};

}  // namespace cpucompat
