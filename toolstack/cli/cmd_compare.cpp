// compare GUEST HOST: can the guest policy run on the host?
#include <iostream>
#include <memory>

#include "../import/import.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

Runner add_compare(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::string guest, host, guest_policy, host_policy = "max"; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("compare", "Check that a guest policy can run on a host; exit 0 compatible, 1 incompatible");
    c->add_option("GUEST", o->guest, "the guest's (domain's) policy, any importable file")->required();
    c->add_option("HOST", o->host, "the host's policy, any importable file")->required();
    c->add_option("--guest-policy", o->guest_policy, "which policy of a xen-cpuid -p GUEST file (default host, or its only one)");
    c->add_option("--host-policy", o->host_policy, "which policy of a xen-cpuid -p HOST file (default max: HVM Max, else PV Max)")->capture_default_str();
    return [o, &g] {
        const Policy guest = import_policy_file(o->guest, o->guest_policy);
        const InputText host_in = read_input_file(o->host);
        // A xen-cpuid -p file of a host holds several policies; a guest is
        // held to the max one. Other formats hold just one.
        const Policy host = import_policy(host_in, o->host_policy);
        const CompareResult r = compare(guest, host);
        if (g.json) std::cout << compare_json(r, guest, host).dump(2) << "\n";
        else print_compare(std::cout, r, guest, host);
        return r.compatible() ? 0 : 1;
    };
}

}  // namespace cpucompat
