// The edge of `cpucompat migrate`: what xl and ssh say about the domain and
// the receiver, and the steps of each kind of move, run with xl and ssh.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../toolstack/import/domain_record.h"
#include "restart.h"

namespace cpucompat {

struct MoveRequest {
    std::string domain, host, ssh = "ssh";
    std::string config;  // the domain's xl config file; default /etc/xen/NAME.cfg
    double shutdown_timeout = 120;
    std::vector<std::string> xl_options;  // passed to xl migrate
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
};
// config: the domain's xl config file, or "" for /etc/xen/NAME.cfg; a
// missing file is not an error here (only a restart needs it).
DomainFacts gather_domain(const std::string &domain, const std::string &config);

struct ReceiverFacts {
    Policy max;      // PV or HVM max, as fits the domain
    uint64_t free_kb = 0;
};
ReceiverFacts gather_receiver(const MoveRequest &req, GuestType guest);

// xl migrate, with xl's own progress on this terminal.
int run_live_migration(const MoveRequest &req);

// The restart steps with xl here and `cpucompat create` there.
class XlRestartSteps : public RestartSteps {
public:
    XlRestartSteps(MoveRequest req, DomainFacts facts, ReceiverFacts receiver);
    void check_receiver() override;
    void save_config() override;
    bool shutdown(bool force) override;
    void confirm_gone() override;
    void create_on_receiver() override;
    void confirm_running_on_receiver() override;
    void destroy_on_receiver() override;
    void start_on_sender() override;
    const std::string &saved_config() const { return saved_; }

private:
    std::vector<std::string> remote(const std::vector<std::string> &argv) const;
    MoveRequest req_;
    DomainFacts d_;
    ReceiverFacts r_;
    std::string saved_;       // local copy of the config
    std::string remote_cfg_;  // its copy on the receiver
};

}  // namespace cpucompat
