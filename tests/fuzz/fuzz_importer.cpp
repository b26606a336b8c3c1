// libFuzzer target for one importer, chosen at build time with
// -DFUZZ_TARGET_<name> (see FUZZ_TARGETS in the Makefile). Any input must
// either import or fail with cpucompat::Error; anything else (a crash, a
// sanitizer report, another exception type) is a bug. What imports must
// also keep the importers' promises (a failed one aborts, which libFuzzer
// reports with the input):
//  - a policy re-exported as a JSON and as a YAML fingerprint (raw leaves
//    included) reads back as the same policy;
//  - compare X X is compatible, with the sides `cpucompat compare` picks;
//  - a template re-exported reads back the same and has no problem;
//  - a domain record re-exported reads back the same;
//  - a guest table that loads has plain names, https sources and a
//    minimum for every guest;
//  - a receiver's facts that load read back the same, and so does another
//    node's answer to pool status (which its check never crashes on);
//  - a data index file that loads (a baseline's or the guest table's)
//    reads back the same, its template has no problem and its guests
//    need something;
//  - a move journal entry that loads reads back the same, and recovery's
//    table never starts the domain here while it runs here, nor acts for
//    a receiver's entry on another host.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../../toolstack/core/compare.h"
#include "../../toolstack/core/error.h"
#include "../../toolstack/import/cpuid_tool.h"
#include "../../toolstack/import/domain_record.h"
#include "../../toolstack/import/guest_table.h"
#include "../../toolstack/import/host_config.h"
#include "../../toolstack/import/import.h"
#include "../../toolstack/import/save_image.h"
#include "../../toolstack/import/fingerprint.h"
#include "../../toolstack/import/instlat.h"
#include "../../toolstack/import/template_yaml.h"
#include "../../toolstack/import/xen_cpuid_policy.h"
#include "../../migration/host_facts.h"
#include "../../migration/move_journal.h"
#include "../../migration/pool_domains.h"

using namespace cpucompat;

namespace {

[[noreturn]] void broken(const char *promise, const std::string &detail) {
    std::fprintf(stderr, "fuzz: promise broken: %s: %s\n", promise, detail.c_str());
    std::abort();
}

void expect(bool ok, const char *promise, const std::string &detail = "") {
    if (!ok) broken(promise, detail);
}

// A value written as JSON and read back is the same value (compared by its
// JSON). Returns the text written.
template <class Value, class Read, class Write>
[[maybe_unused]] std::string check_json_round_trip(const char *promise, const Value &v, Read read, Write write) {
    const std::string again = write(v).dump();
    try {
        expect(write(read(again, "rt")) == write(v), promise, again);
    } catch (const Error &err) {
        broken(promise, std::string(err.what()) + "\n" + again);
    }
    return again;
}

// Round trips through both fingerprint formats, and compare with itself.
[[maybe_unused]] void check_policy(const Policy &p) {
    const InputText json{"rt.json", policy_to_json(p, true).dump()};
    const InputText yaml{"rt.yaml", policy_to_yaml(p, true)};
    try {
        expect(parse_fingerprint_json(json) == p, "JSON round trip gives the same policy", json.text);
        expect(parse_fingerprint_yaml(yaml) == p, "YAML round trip gives the same policy", yaml.text);
    } catch (const Error &e) {
        broken("a re-exported policy reads back", std::string(e.what()) + "\n" + json.text);
    }
    expect(compare(p, p).compatible(), "compare(p, p) is compatible");
}

[[maybe_unused]] void check_compare_sides(const InputText &in) {
    const CompareSides s = import_compare_sides(in, "", in, "max");
    expect(compare(s.guest.policy, s.host.policy).compatible(), "compare X X is compatible",
           s.guest.describe() + " vs " + s.host.describe() + ": " + summary(compare(s.guest.policy, s.host.policy), s.guest.policy, s.host.policy));
}

[[maybe_unused]] bool same_template(const CpuTemplate &a, const CpuTemplate &b) {
    return a.name == b.name && a.description == b.description && a.source == b.source && a.vendor_id == b.vendor_id &&
           a.require == b.require && a.hide == b.hide && a.max_leaf == b.max_leaf && a.max_extd_leaf == b.max_extd_leaf &&
           a.max_subleaf7 == b.max_subleaf7;
}

// Levels for the guest table: one that requires (as the psABI levels do)
// and one that only hides (as hyperv-r2 does), so both paths are reached.
[[maybe_unused]] const TemplateLibrary &fuzz_levels() {
    static const TemplateLibrary lib = [] {
        TemplateLibrary l;
        for (const char *yaml : {"name: x86-64-v2\nrequire: [fpu, cx8, cmov, mmx, fxsr, sse, sse2, lm, nx, cx16, lahf-lm, popcnt, sse3, "
                                 "sse4-1, sse4-2, ssse3]\n",
                                 "name: hide-only\nhide: [avx]\n"}) {
            CpuTemplate t = parse_template_yaml(InputText{"level.yaml", yaml});
            l.emplace(t.name, t);
        }
        return l;
    }();
    return lib;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const InputText in{"fuzz", std::string(reinterpret_cast<const char *>(data), size)};
    try {
#if defined(FUZZ_TARGET_save_image)
        // Binary by nature: no text checks first.
        const auto config = parse_save_image_config(in.text, in.name);
        (void)config_domain_name(config);
        (void)config_guest_type(config);
        (void)config_record(config, in.name);
        return 0;
#elif defined(FUZZ_TARGET_move_entry)
        // Read as the journal store reads a file: the raw bytes.
        const MoveEntry e = move_entry_from_json(in.text, in.name);
        const std::string again = check_json_round_trip("a re-exported move entry reads back", e, move_entry_from_json, move_entry_json);
        for (const Presence here : {Presence::absent, Presence::paused, Presence::running, Presence::unknown})
            for (const Presence there : {Presence::absent, Presence::paused, Presence::running, Presence::unknown}) {
                const RecoverPlan p = plan_recovery(e, here, there);
                const bool starts = p.action == RecoverAction::start_here || p.action == RecoverAction::destroy_there_then_start_here;
                expect(!(starts && here != Presence::absent), "recovery never starts a second copy here", again);
                expect(!(starts && there == Presence::running), "recovery never starts it here while it runs there", again);
                expect(e.role == MoveRole::sender || (p.action != RecoverAction::destroy_there && !starts),
                       "a receiver's entry acts on this host only", again);
            }
        return 0;
#elif defined(FUZZ_TARGET_host_facts)
        // A receiver's reply, as the sender reads it: the raw bytes.
        check_json_round_trip("re-exported facts read back", host_facts_from_json(in.text, in.name), host_facts_from_json, host_facts_json);
        return 0;
#elif defined(FUZZ_TARGET_pool_domains)
        // Another node's answer to `pool status`, as it is read: the raw bytes.
        const NodeDomains d = node_domains_from_json(in.text, in.name);
        check_json_round_trip("a re-exported answer reads back", d, node_domains_from_json, node_domains_json);
        // Checked against a pool of its own hosts' names: never a crash, and
        // accepted only if every domain names each other host once.
        std::vector<PoolHost> pool;
        for (const auto &[name, fp] : d.pool) pool.push_back({name, Policy{}});
        try {
            check_node_domains(d, d.node, pool, "fuzz");
        } catch (const Error &) {
        }
        return 0;
#endif
        check_input_text(in);
#if defined(FUZZ_TARGET_save_image) || defined(FUZZ_TARGET_move_entry) || defined(FUZZ_TARGET_host_facts) || \
    defined(FUZZ_TARGET_pool_domains)
#elif defined(FUZZ_TARGET_xen_cpuid)
        for (const auto &p : parse_xen_cpuid_policies(in))
            if (!p.empty) check_policy(p.policy);
        check_compare_sides(in);
#elif defined(FUZZ_TARGET_instlat)
        check_policy(parse_instlat(in));
#elif defined(FUZZ_TARGET_cpuid_tool)
        check_policy(parse_cpuid_tool(in));
#elif defined(FUZZ_TARGET_fingerprint_json)
        check_policy(parse_fingerprint_json(in));
#elif defined(FUZZ_TARGET_fingerprint_yaml)
        check_policy(parse_fingerprint_yaml(in));
#elif defined(FUZZ_TARGET_template_yaml)
        const CpuTemplate t = parse_template_yaml(in);
        expect(!template_problem(t), "a template that loads has no problem");
        const InputText again{"rt.yaml", template_to_yaml(t)};
        try {
            expect(same_template(parse_template_yaml(again), t), "template round trip", again.text);
        } catch (const Error &e) {
            broken("a re-exported template reads back", std::string(e.what()) + "\n" + again.text);
        }
#elif defined(FUZZ_TARGET_domain_record)
        const DomainRecord r = record_from_json(in.text, in.name);
        const std::string again = record_to_json(r);
        try {
            const DomainRecord b = record_from_json(again, "rt");
            expect(b.mode == r.mode && b.template_name == r.template_name && b.host == r.host && b.time == r.time &&
                       b.guest == r.guest && b.policy.same_guest_view(r.policy) && b.unknown_features == r.unknown_features,
                   "record round trip", again);
        } catch (const Error &e) {
            broken("a re-exported record reads back", std::string(e.what()) + "\n" + again);
        }
#elif defined(FUZZ_TARGET_host_config)
        (void)parse_host_config(in);
#elif defined(FUZZ_TARGET_guest_table)
        for (const auto &[name, g] : parse_guest_table(in, fuzz_levels())) {
            expect(name == g.name && plain_guest_name(name), "a guest's name is plain", name);
            expect(g.source.rfind("https://", 0) == 0 && g.read.size() == 10, "a guest is sourced and dated", name);
            expect(!guest_minimum(g, fuzz_levels()).empty(), "a guest has a minimum", name);
        }
#else
#error "define one FUZZ_TARGET_<importer>"
#endif
    } catch (const Error &) {
    }
    return 0;
}
