// What the plugin decides for a domain: mode choice, merging the domain's
// own cpuid= with a normalized policy (checked by libxl's real parsers),
// records, and the restore verdict.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "../../toolstack/adapters/libxl_cpuid.h"
#include "../../toolstack/adapters/xen_headers.h"
#include "../../toolstack/core/compare.h"
#include "../../toolstack/core/domain_policy.h"
#include "../../toolstack/core/error.h"
#include "../../toolstack/core/mode_choice.h"
#include "../../toolstack/import/domain_record.h"
#include "../../toolstack/import/host_config.h"
#include "helpers.h"

using namespace cpucompat;
using testing::load;

namespace {

// A libxl cpuid list filled by libxl's own parser, as xl fills it from cpuid=.
struct List {
    LibxlCpuidList l = nullptr;
    explicit List(const std::vector<std::string> &items) {
        for (const auto &i : items) {
            const int rc = i.find(':') != std::string::npos ? libxl_cpuid_parse_config_xend(&l, i.c_str())
                                                             : libxl_cpuid_parse_config(&l, i.c_str());
            if (rc) throw std::runtime_error("test's cpuid item rejected by libxl: " + i);
        }
    }
    ~List() { libxl_cpuid_dispose(&l); }
};

Policy amd_host() { return load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default"); }

DomainPlan plan(const std::string &mode, const CpuidFilters &user, const Policy &host) {
    return plan_domain_policy(parse_mode(mode), host, user, GuestType::pv, testing::baselines());
}

}  // namespace

TEST_CASE("which cpu_compat a domain gets: first source that names one") {
    struct Row { ModeSources s; const char *mode, *source; };
    const std::vector<Row> rows = {
        {{}, "off", "the default (off)"},
        {{std::nullopt, std::nullopt, std::nullopt, "vendor"}, "vendor", "/etc/xen/cpucompat.yaml"},
        {{std::nullopt, std::nullopt, "level:zen2", "vendor"}, "level:zen2", "/etc/xen/xl.conf"},
        {{std::nullopt, "hyperv-r2", "level:zen2", "vendor"}, "hyperv-r2", "the domain's cpucompat record"},
        {{"off", "hyperv-r2", "level:zen2", "vendor"}, "off", "the domain's config"},
    };
    for (const auto &r : rows) {
        const ModeChoice c = choose_mode(r.s);
        CHECK(c.mode.to_string() == r.mode);
        CHECK(c.source == r.source);
    }
    CHECK_THROWS_WITH(choose_mode({std::nullopt, std::nullopt, "fast", std::nullopt}),
                      Catch::StartsWith("/etc/xen/xl.conf: cpu_compat: invalid cpu_compat mode \"fast\""));
}

TEST_CASE("/etc/xen/cpucompat.yaml") {
    CHECK(parse_host_config({"c.yaml", "default: level:x86-64-v2\n"}).default_mode == std::optional<std::string>("level:x86-64-v2"));
    CHECK_FALSE(parse_host_config({"c.yaml", ""}).default_mode);
    CHECK_FALSE(parse_host_config({"c.yaml", "# nothing set\n"}).default_mode);
    CHECK_THROWS_WITH(parse_host_config({"c.yaml", "default: vendor\npool: x\n"}), "c.yaml:2: unknown key \"pool\" (known: default, guests)");
    // The guest of a domain whose config names none: the first pattern that matches its name.
    const HostConfig g = parse_host_config({"c.yaml", "guests:\n  - match: \"win11-*\"\n    guest: windows-11-24h2\n"
                                                      "  - match: \"*\"\n    guest: debian-12\n"});
    CHECK(default_guest(g, "win11-ad") == std::optional<std::string>("windows-11-24h2"));
    CHECK(default_guest(g, "web1") == std::optional<std::string>("debian-12"));
    CHECK_FALSE(default_guest(parse_host_config({"c.yaml", "default: vendor\n"}), "web1"));
    for (const auto &[text, want] : std::vector<std::pair<std::string, std::string>>{
             {"guests: windows\n", "c.yaml:1: guests: expected a list"},
             {"guests:\n  - match: a\n", "c.yaml:2: guests: each entry is {match: PATTERN, guest: NAME}"},
             {"guests:\n  - match: a\n    guest: b\n    extra: c\n", "c.yaml:2: guests: each entry is"},
             {"guests:\n  - match: \"\"\n    guest: rhel-9\n", "c.yaml:2: guests: match: a pattern"},
             {"guests:\n  - match: a\n    guest: RHEL 9\n", "c.yaml:2: guests: \"RHEL 9\" is not a guest name"},
             {"guests:\n  - match: [a]\n    guest: rhel-9\n", "c.yaml:2: guests: each entry is"}}) {
        INFO(text);
        CHECK_THROWS_WITH(parse_host_config({"c.yaml", text}), Catch::StartsWith(want));
    }
    CHECK_THROWS_WITH(parse_host_config({"c.yaml", "default: [a, b]\n"}), Catch::StartsWith("c.yaml:1: default: expected a mode"));
    CHECK_THROWS_WITH(parse_host_config({"c.yaml", "default: {\n"}), Catch::StartsWith("c.yaml:"));
}

TEST_CASE("merging cpuid= with the mode: explicit zeros stay, hidden ones are refused") {
    const Policy host = amd_host();
    struct Row {
        std::vector<std::string> user;
        const char *mode;
        std::vector<const char *> shown, hidden;
    };
    const std::vector<Row> rows = {
        {{}, "level:x86-64-v2", {"sse4-2", "popcnt"}, {"avx", "avx2", "aesni"}},
        {{"popcnt=0"}, "level:x86-64-v2", {"sse4-2"}, {"popcnt", "avx"}},
        {{"sse4_2=0"}, "hyperv-r2", {"sse3"}, {"sse4-2", "ssse3"}},
        {{"avx=1", "aes=1"}, "off", {"avx", "aesni"}, {}},
        {{"avx2=0"}, "off", {"avx", "fma"}, {"avx2"}},
    };
    for (const auto &r : rows) {
        std::string what;
        for (const auto &u : r.user) what += u + " ";
        INFO("cpuid=" << what << "mode " << r.mode);
        List user(r.user);
        const DomainPlan p = plan(r.mode, read_cpuid_filters(user.l), host);
        for (const char *f : r.shown) CHECK(p.cpuid.expected.features.test(testing::id(f)));
        for (const char *f : r.hidden) CHECK_FALSE(p.cpuid.expected.features.test(testing::id(f)));

        // Applied to the user's list by libxl's parser, the list then holds
        // every explicit zero of the user and the mode's requests.
        apply_merged_cpuid(user.l, p.cpuid);
        const CpuidFilters after = read_cpuid_filters(user.l);
        for (const char *f : r.hidden) {
            const FeatureInfo *fi = Catalogue::get().by_id(testing::id(f));
            if (host.features.test(fi->id) && fi->guest_default()) CHECK(after.feature_char(fi->id) == '0');
        }
    }
    List asks({"avx=1", "sha=1", "sse4_2=1"});
    CHECK_THROWS_WITH(plan("level:x86-64-v2", read_cpuid_filters(asks.l), host),
                      "cpuid= asks for feature(s) that cpu_compat hides: avx sha (remove them from cpuid=, or choose a mode that has them)");
}

TEST_CASE("merge keeps the user's own fields and lowers limits the user left alone") {
    const Policy host = amd_host();
    List user({"family=0x17", "maxleaf=7"});
    const DomainPlan p = plan("level:x86-64-v2", read_cpuid_filters(user.l), host);
    apply_merged_cpuid(user.l, p.cpuid);
    const CpuidFilters after = read_cpuid_filters(user.l);
    // maxleaf stays the user's 7, not the template's cap.
    CHECK(after.cpuid.at({0, kNoSubleaf, 0}) == filter_bits(7));
    // family 0x17 = base 0xf + ext 0x8: libxl's own encoding survives.
    CHECK(after.cpuid.at({1, kNoSubleaf, 0}).substr(4, 8) == "00001000");
    if (p.cpuid.expected.max_extd_leaf < host.max_extd_leaf)
        CHECK(after.cpuid.at({kExtdBase, kNoSubleaf, 0}) == filter_bits(p.cpuid.expected.max_extd_leaf));
}

TEST_CASE("a rejected merge leaves the domain's list as it was") {
    List user({"avx=0"});
    MergedCpuid bad;
    bad.xend_items = {"0x1:ecx=" + std::string(32, '0'), "0x7,0:ebx=tooshort"};
    CHECK_THROWS_WITH(apply_merged_cpuid(user.l, bad), Catch::StartsWith("libxl rejects cpuid entry \"0x7,0:ebx=tooshort\""));
    CHECK(read_cpuid_filters(user.l).cpuid.at({1, kNoSubleaf, 2}) == "xxx0xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

TEST_CASE("records: round trip, and a hand-edited record is refused") {
    DomainRecord r{"level:x86-64-v2", "x86-64-v2", "xen1", "2026-11-22T06:00:00Z", GuestType::pv,
                   plan("level:x86-64-v2", {}, amd_host()).cpuid.expected};
    const std::string j = record_to_json(r);
    const DomainRecord back = record_from_json(j, "rec");
    CHECK(back.mode == r.mode);
    CHECK(back.template_name == r.template_name);
    CHECK(back.host == r.host);
    CHECK(back.guest == GuestType::pv);
    CHECK(back.policy.same_guest_view(r.policy));
    CHECK(policy_hash(back.policy) == policy_hash(r.policy));
    std::string edited = j;
    edited.replace(edited.find("\"sse4-2\""), 8, "\"avx512f\"");
    CHECK_THROWS_WITH(record_from_json(edited, "rec"), "rec: cpucompat record's hash does not match its policy (edited or damaged)");
    CHECK_THROWS_WITH(record_from_json("{}", "rec"), "rec: cpucompat record lacks the string \"format\"");
    CHECK_THROWS_WITH(record_from_json("[", "rec"), Catch::StartsWith("rec: cpucompat record is not valid JSON: invalid JSON"));

    // A record is a xenstore value: it must fit one even for the richest host.
    DomainRecord rich = r;
    rich.policy = load("instlat-sapphirerapids.txt");
    CHECK(record_to_json(rich).size() < 4096);

    // The guest it runs travels with it; a record without one stays without.
    CHECK(nlohmann::json::parse(j).contains("guest_os") == false);
    CHECK(back.guest_os.empty());
    DomainRecord named = r;
    named.guest_os = "rhel-9";
    const std::string jn = record_to_json(named);
    CHECK(record_from_json(jn, "rec").guest_os == "rhel-9");
    // Not in the hash (like mode and host), but never anything but a guest name.
    for (const char *bad : {"\"rhel-9\\\" cpus=\\\"0\"", "\"RHEL 9\"", "9", "\"\""}) {
        INFO(bad);
        std::string b = jn;
        b.replace(b.find("\"rhel-9\""), 8, bad);
        CHECK_THROWS_WITH(record_from_json(b, "rec"), Catch::StartsWith("rec: ") && (Catch::Contains("is not a guest name") || Catch::Contains("lacks the string \"guest_os\"")));
    }
}

TEST_CASE("restore verdict: the record's policy against this host's max policy") {
    const Policy zen3 = load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-max");
    const Policy zen1 = load("xen-cpuid-p-qemu-epyc.txt", "pv-max");
    const Policy intel = load("xen-cpuid-p-qemu-skylake.txt", "pv-max");
    const Policy from_zen3 = plan("off", {}, load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default")).cpuid.expected;
    const Policy v2_zen3 = plan("level:x86-64-v2", {}, load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default")).cpuid.expected;

    CHECK(restore_verdict(from_zen3, zen3).compatible());
    const CompareResult poorer = restore_verdict(from_zen3, zen1);
    CHECK_FALSE(poorer.compatible());
    CHECK_FALSE(poorer.vendor_mismatch);
    CHECK(summary(poorer, from_zen3, zen1) == "missing: erms");  // QEMU's EPYC lacks ERMS, EPYC-Milan has it
    CHECK(restore_verdict(v2_zen3, zen1).compatible());  // the point of a level
    const CompareResult other = restore_verdict(v2_zen3, intel);
    CHECK(other.vendor_mismatch);
    CHECK_THAT(summary(other, v2_zen3, intel), Catch::StartsWith("vendor AuthenticAMD, host GenuineIntel"));
}

TEST_CASE("check_applied: what Xen gave against what was asked") {
    const Policy want = plan("level:x86-64-v2", {}, amd_host()).cpuid.expected;
    CHECK(check_applied(want, want).ok());
    Policy got = want;
    got.features.set(testing::id("avx"));
    got.features.clear(testing::id("popcnt"));
    got.features.set(testing::id("hypervisor"));  // a state bit: Xen's to set
    const AppliedDiff d = check_applied(want, got);
    CHECK_FALSE(d.ok());
    CHECK(d.summary() == "not applied: popcnt; applied but not requested: avx");
    got = want;
    got.max_leaf = want.max_leaf - 1;  // Xen may trim
    CHECK(check_applied(want, got).ok());
    got.max_leaf = want.max_leaf + 1;
    CHECK_THAT(check_applied(want, got).summary(), Catch::StartsWith("limits: max_leaf"));
}

namespace {

// Format /1's hash as a writer with `words` featureset words computed it
// (FNV-1a 64: vendor bytes as 32-bit values, the words, the limits): the
// format as it was shipped, written out here so the test does not lean on
// the code it checks.
std::string v1_hash_as_written(const Policy &p, std::size_t words) {
    uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            h ^= (v >> (8 * i)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    };
    for (char c : p.vendor_id) mix(static_cast<unsigned char>(c));
    for (std::size_t i = 0; i < words; ++i) mix(i < p.features.words().size() ? p.features.words()[i] : 0);
    mix(p.max_leaf);
    mix(p.max_subleaf7);
    mix(p.max_extd_leaf);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

TEST_CASE("records survive a Xen upgrade: canonical hash, /1 from any word count, unknown features judged") {
    const DomainRecord r{"level:x86-64-v2", "x86-64-v2", "xen1", "2026-11-22T06:00:00Z", GuestType::pv,
                         plan("level:x86-64-v2", {}, amd_host()).cpuid.expected};
    nlohmann::json j = nlohmann::json::parse(record_to_json(r));
    CHECK(j["format"] == "cpucompat-record/2");

    // Format /1 written by builds with fewer and with more featureset words
    // than this one (Xen 4.17 -> 4.18 adds words): read, same policy.
    const std::size_t ours = r.policy.features.words().size();
    for (std::size_t words : {ours - 2, ours, ours + 3}) {
        INFO("writer's words: " << words);
        nlohmann::json v1 = j;
        v1["format"] = "cpucompat-record/1";
        v1["hash"] = v1_hash_as_written(r.policy, words);
        const DomainRecord back = record_from_json(v1.dump(), "rec");
        CHECK(back.policy.same_guest_view(r.policy));
        CHECK(back.unknown_features.empty());
        std::string wrong = v1_hash_as_written(r.policy, words);
        wrong[0] = wrong[0] == '0' ? '1' : '0';
        v1["hash"] = wrong;
        CHECK_THROWS_WITH(record_from_json(v1.dump(), "rec"), Catch::Contains("hash does not match"));
    }

    // Format /2 from a newer build naming a feature this one does not know:
    // read, kept, and the restore verdict is incompatible, naming it.
    nlohmann::json newer = j;
    newer["policy"]["features"].push_back("future-feature");
    std::vector<std::string> names = newer["policy"]["features"].get<std::vector<std::string>>();
    newer["hash"] = policy_hash(r.policy.vendor_id, r.policy.max_leaf, r.policy.max_subleaf7, r.policy.max_extd_leaf, names);
    const DomainRecord back = record_from_json(newer.dump(), "rec");
    CHECK(back.policy.same_guest_view(r.policy));
    CHECK(back.unknown_features == std::vector<std::string>{"future-feature"});
    const Policy host = load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-max");
    CHECK(restore_verdict(back.policy, host).compatible());  // without the unknown name it would pass
    const CompareResult v = restore_verdict(back.policy, host, back.unknown_features);
    CHECK_FALSE(v.compatible());
    CHECK(summary(v, back.policy, host) == "unknown to this build's Xen: future-feature");
    // Re-written, the unknown name stays, and so does the hash's meaning.
    const DomainRecord again = record_from_json(record_to_json(back), "rec");
    CHECK(again.unknown_features == back.unknown_features);
    // The hash covers the unknown name: dropping it is an edit.
    nlohmann::json dropped = newer;
    dropped["policy"]["features"].erase(dropped["policy"]["features"].size() - 1);
    CHECK_THROWS_WITH(record_from_json(dropped.dump(), "rec"), Catch::Contains("hash does not match"));
    // A /1 record could not have named it: there it is an error, as before.
    nlohmann::json old = newer;
    old["format"] = "cpucompat-record/1";
    CHECK_THROWS_WITH(record_from_json(old.dump(), "rec"), Catch::Contains("unknown feature \"future-feature\""));
    // The shipped /1 fixture still reads.
    CHECK_NOTHROW(record_from_json(cpucompat::read_input_file(testing::fixture("record-x86-64-v2.json")).text, "fixture"));
}
