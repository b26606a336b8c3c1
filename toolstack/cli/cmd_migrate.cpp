// migrate DOMAIN HOST: decide before anything moves, then move live,
// refuse with the diff, or shut down here and restart there.
#include <iostream>
#include <memory>

#include "../../migration/decision.h"
#include "../../migration/journal.h"
#include "../../migration/process.h"
#include "../../migration/xl_moves.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

nlohmann::ordered_json phases_json(const RestartReport &r) {
    auto a = nlohmann::ordered_json::array();
    for (const auto &p : r.phases)
        a.push_back({{"phase", p.phase}, {"ok", p.ok}, {"seconds", p.seconds}, {"error", p.error}});
    return a;
}

}  // namespace

Runner add_migrate(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        MoveRequest req;
        MoveOptions move;
        bool dry_run = false, force = false;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("migrate", "Move a domain to HOST: live when compatible, refused with the diff, or restarted across vendors");
    c->add_option("DOMAIN", o->req.domain, "the domain (name or id)")->required();
    c->add_option("HOST", o->req.host, "the receiving host")->required();
    c->add_flag("--dry-run", o->dry_run, "print the decision and the plan; change nothing");
    c->add_flag("--live-only", o->move.live_only, "never restart: refuse instead");
    c->add_flag("--allow-restart", o->move.allow_restart, "also restart when the receiver lacks features of the same vendor");
    c->add_option("--shutdown-timeout", o->req.shutdown_timeout, "seconds the guest has to shut down")->capture_default_str()->check(CLI::PositiveNumber);
    c->add_flag("--force-shutdown", o->force, "destroy the guest if it has not shut down in time");
    c->add_option("--link-timeout", o->req.link_timeout,
                  "seconds to keep asking HOST what it has of the domain after the link fails mid-restart")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    c->add_option("-s,--ssh", o->req.ssh, "the ssh command to reach HOST, as xl migrate -s")->capture_default_str();
    c->add_option("--config", o->req.config, "the domain's xl config file, for a restart (default /etc/xen/DOMAIN.cfg)");
    c->add_option("--xl-option", o->req.xl_options, "passed to xl migrate (repeat: --xl-option=--debug)");
    return [o, &g]() -> int {
        const MoveRequest &req = o->req;
        std::unique_ptr<MigrationLock> lock;
        if (!o->dry_run) lock = std::make_unique<MigrationLock>(req.domain);
        const double t0 = monotonic_seconds();
        const DomainFacts d = gather_domain(req.domain, req.config);
        const ReceiverFacts r = gather_receiver(req, d.guest);
        const Decision dec = decide(d.policy, r.max, o->move);
        const double check_s = monotonic_seconds() - t0;
        nlohmann::ordered_json j{{"domain", d.name},     {"uuid", d.uuid},           {"host", req.host},
                                 {"decision", move_kind_name(dec.kind)}, {"reason", dec.reason}, {"check_seconds", check_s},
                                 {"dry_run", o->dry_run}};
        j["diff"] = compare_json(dec.diff, d.policy, r.max);
        if (!g.json) std::cerr << "cpucompat: " << d.name << " -> " << req.host << ": " << move_kind_name(dec.kind) << " (" << dec.reason << ")\n";
        auto finish = [&](int status) {
            j["exit"] = status;
            if (!o->dry_run) audit(j);
            if (g.json) std::cout << j.dump(2) << "\n";
            return status;
        };
        if (dec.kind == MoveKind::refuse) {
            if (!g.json) print_compare(std::cout, dec.diff, d.policy, r.max);
            return finish(1);
        }
        if (o->dry_run) {
            if (!g.json) {
                if (dec.kind == MoveKind::live) std::cout << "plan: xl migrate " << d.name << " " << req.host << "\n";
                else std::cout << "plan: check " << req.host << " (paths, memory, plugin); shut " << d.name << " down here (timeout "
                               << req.shutdown_timeout << " s" << (o->force ? ", then destroy" : "") << "); create it on " << req.host
                               << " paused with cpucompat create --hold, then run it there; on failure start it here again\n";
            }
            return finish(0);
        }
        if (dec.kind == MoveKind::live) {
            const int rc = run_live_migration(req);
            j["phases"] = {{{"phase", "xl-migrate"}, {"ok", rc == 0}, {"seconds", monotonic_seconds() - t0 - check_s}}};
            return finish(rc == 0 ? 0 : 1);
        }
        XlRestartSteps steps(req, d, r);
        const RestartReport rep = run_restart(steps, o->force, monotonic_seconds);
        j["outcome"] = outcome_name(rep.outcome);
        j["phases"] = phases_json(rep);
        if (!rep.failure.empty()) j["failure"] = rep.failure;
        if (!g.json) {
            for (const auto &p : rep.phases)
                std::cerr << "cpucompat: " << (p.ok ? "  ok   " : "  FAIL ") << p.phase << " (" << p.seconds << " s)"
                          << (p.error.empty() ? "" : ": " + p.error) << "\n";
            std::cerr << "cpucompat: " << d.name << ": " << outcome_name(rep.outcome)
                      << (rep.outcome == RestartOutcome::down || rep.outcome == RestartOutcome::unknown
                              ? " -- NOT RUNNING HERE; its config is kept at " + steps.saved_config()
                              : "")
                      << "\n";
        }
        switch (rep.outcome) {
        case RestartOutcome::moved: return finish(0);
        case RestartOutcome::not_started:
        case RestartOutcome::still_running:
        case RestartOutcome::recovered: return finish(1);
        case RestartOutcome::down:
        case RestartOutcome::unknown: break;
        }
        return finish(3);
    };
}

}  // namespace cpucompat
