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
    c->add_option("--guest-policy", o->guest_policy,
                  "which policy of a xen-cpuid -p GUEST file (default: the Default policy of the kind the host side uses, "
                  "what a domain gets there)");
    c->add_option("--host-policy", o->host_policy, "which policy of a xen-cpuid -p HOST file (default max: HVM Max, else PV Max)")->capture_default_str();
    return [o, &g] {
        // A xen-cpuid -p file of a host holds several policies: the guest
        // side is what a domain gets on its host, held to the max policy of
        // the other (import_compare_sides). Other formats hold just one.
        const CompareSides s =
            import_compare_sides(read_input_file(o->guest), o->guest_policy, read_input_file(o->host), o->host_policy);
        const CompareResult r = compare(s.guest.policy, s.host.policy);
        if (g.json) {
            auto j = compare_json(r, s.guest.policy, s.host.policy);
            j["guest_input"] = input_json(s.guest);
            j["host_input"] = input_json(s.host);
            std::cout << json_text(j);
        } else {
            std::cout << "guest: " << s.guest.describe() << "\nhost:  " << s.host.describe() << "\n";
            print_compare(std::cout, r, s.guest.policy, s.host.policy);
        }
        return r.compatible() ? 0 : 1;
    };
}

}  // namespace cpucompat
