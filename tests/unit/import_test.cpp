// Every importer on the project's own fixtures (small files derived from real
// CPUs, and this machine's `cpuid -r`), bad inputs, and round trips.
#include <catch2/catch.hpp>

#include <fstream>

#include "../../toolstack/core/error.h"
#include "../../toolstack/import/fingerprint.h"
#include "../../toolstack/import/xen_cpuid_policy.h"
#include "helpers.h"

using namespace cpucompat;
using testing::has;
using testing::load;

TEST_CASE("importers decode vendor, signature, limits and features") {
    struct Row {
        const char *file, *sel;
        InputFormat format;
        const char *vendor;
        uint32_t family, model, stepping, max_leaf, max_extd, subleaf7;
        std::vector<const char *> present, absent;
    };
    const std::vector<Row> rows = {
        {"instlat-skylake-server.txt", "", InputFormat::instlat, "GenuineIntel", 6, 0x55, 4, 0x16, 0x80000008, 0,
         {"avx512f", "avx512vl", "pku", "clwb", "rdrand", "xsaves"}, {"avx512-vnni", "sse4a", "xop"}},
        {"instlat-sapphirerapids.txt", "", InputFormat::instlat, "GenuineIntel", 6, 0x8f, 8, 0x20, 0x80000008, 2,
         {"avx512-fp16", "serialize", "avx-vnni", "rdcl-no"}, {"sse4a"}},
        {"instlat-nehalem-oldformat.txt", "", InputFormat::instlat, "GenuineIntel", 6, 0x1a, 2, 0xb, 0x80000008, 0,
         {"sse4-2", "popcnt", "rdtscp"}, {"aesni", "avx", "xsave"}},
        {"instlat-ivybridge-notab.txt", "", InputFormat::instlat, "GenuineIntel", 6, 0x3e, 4, 0xd, 0x80000008, 0,
         {"avx", "f16c", "rdrand", "erms"}, {"avx2"}},
        {"instlat-interlagos.txt", "", InputFormat::instlat, "AuthenticAMD", 0x15, 1, 2, 0xd, 0x8000001e, 0,
         {"xop", "fma4", "avx", "sse4a", "lwp"}, {"avx2", "tbm"}},
        {"instlat-milan.txt", "", InputFormat::instlat, "AuthenticAMD", 0x19, 1, 1, 0x10, 0x80000023, 0,
         {"avx2", "vaes", "invpcid", "sse4a", "clzero"}, {"xop", "fma4", "avx512f"}},
        {"instlat-hygon.txt", "", InputFormat::instlat, "HygonGenuine", 0x18, 0, 2, 0xd, 0x8000001f, 0, {"avx2", "clzero"}, {"xop", "sha"}},
        {"xen-cpuid-p-milan.txt", "", InputFormat::xen_cpuid, "AuthenticAMD", 0x19, 1, 1, 0x10, 0x80000023, 0, {"avx2"}, {}},
        {"xen-cpuid-p-milan.txt", "hvm-max", InputFormat::xen_cpuid, "AuthenticAMD", 0x19, 1, 1, 0xd, 0x80000023, 0, {"avx2"}, {}},
        {"xen-cpuid-p-milan.txt", "max", InputFormat::xen_cpuid, "AuthenticAMD", 0x19, 1, 1, 0xd, 0x80000023, 0, {"avx2"}, {}},
        {"xen-cpuid-p-domain.txt", "", InputFormat::xen_cpuid, "AuthenticAMD", 0x19, 1, 1, 0xd, 0x80000023, 0, {"avx2"}, {}},
        {"xen-cpuid-p-domain.txt", "domain-3", InputFormat::xen_cpuid, "AuthenticAMD", 0x19, 1, 1, 0xd, 0x80000023, 0, {"avx2"}, {}},
        {"fingerprint-skylake.json", "", InputFormat::fingerprint_json, "GenuineIntel", 6, 0x55, 4, 0x16, 0x80000008, 0, {"avx512f"}, {"sse4a"}},
        {"fingerprint-milan.yaml", "", InputFormat::fingerprint_yaml, "AuthenticAMD", 0x19, 1, 1, 0x10, 0x80000023, 0, {"avx2"}, {"avx512f"}},
    };
    for (const auto &r : rows) {
        INFO(r.file << " " << r.sel);
        const InputText in = read_input_file(testing::fixture(r.file));
        CHECK(detect_format(in.text) == r.format);
        const Policy p = import_policy(in, r.sel);
        CHECK(p.vendor_id == r.vendor);
        CHECK(p.family == r.family);
        CHECK(p.model == r.model);
        CHECK(p.stepping == r.stepping);
        CHECK(p.max_leaf == r.max_leaf);
        CHECK(p.max_extd_leaf == r.max_extd);
        CHECK(p.max_subleaf7 == r.subleaf7);
        for (const char *f : r.present) CHECK(has(p, f));
        for (const char *f : r.absent) CHECK_FALSE(has(p, f));
    }
}

TEST_CASE("xen-cpuid -p of real Xen 4.17 hosts in the lab (QEMU EPYC and Skylake-Server)") {
    // Captured from the lab's dom0s; the Intel host has no HVM under TCG, so
    // its HVM policies are empty sections.
    const Policy amd_max = load("xen-cpuid-p-qemu-epyc.txt", "max");
    CHECK(amd_max.vendor_id == "AuthenticAMD");
    CHECK(amd_max.max_leaf == 0xd);
    CHECK(has(amd_max, "svm"));  // HVM Max offers nested SVM
    const Policy intel_max = load("xen-cpuid-p-qemu-skylake.txt", "max");
    CHECK(intel_max.vendor_id == "GenuineIntel");
    CHECK(has(intel_max, "sse4-2"));
    CHECK_FALSE(has(intel_max, "vmx"));
    CHECK(load("xen-cpuid-p-qemu-skylake.txt", "pv-max").same_guest_view(intel_max));
    CHECK_THROWS_WITH(load("xen-cpuid-p-qemu-skylake.txt", "hvm-max"),
                      Catch::EndsWith("policy \"HVM Max\" is empty: Xen offers no such guests on that host"));
}

TEST_CASE("cpuid -r output of this machine's own CPU") {
    const Policy p = load("cpuid-r-this-machine.txt");
    CHECK(p.vendor_id == "GenuineIntel");
    CHECK(p.max_leaf == 0x20);
    CHECK(has(p, "sse4-2"));
    CHECK(has(p, "lm"));
    CHECK(p.family == 6);
}

TEST_CASE("a xen-cpuid -p policy is chosen by name, and a wrong name lists the choices") {
    const auto all = parse_xen_cpuid_policies(read_input_file(testing::fixture("xen-cpuid-p-milan.txt")));
    REQUIRE(all.size() == 5);  // PV Default is "not supported" in the fixture
    CHECK(select_policy(all, "HVM Max", "f").name == "HVM Max");
    CHECK(select_policy(all, "hvm_default", "f").name == "HVM Default");
    CHECK(select_policy(all, "", "f").name == "Host");
    CHECK(select_policy(all, "max", "f").name == "HVM Max");
    CHECK_THROWS_WITH(select_policy(all, "pv-default", "f.txt"),
                      "f.txt: no policy \"pv-default\" in xen-cpuid output; it has: raw, host, pv-max, hvm-max, hvm-default");
}

TEST_CASE("bad inputs give one clear error naming the file and line") {
    struct Row { const char *file; unsigned line; const char *message; };
    const std::vector<Row> rows = {
        {"bad/empty.txt", 0, "file is empty"},
        {"bad/binary.bin", 1, "binary data (NUL byte)"},
        {"bad/instlat-truncated.txt", 2, "malformed CPUID line"},
        {"bad/xen-cpuid-truncated.txt", 4, "unrecognised line in xen-cpuid -p output"},
        {"bad/xen-cpuid-no-header.txt", 1, "CPUID line before any"},
        {"bad/json-truncated.json", 3, "invalid JSON"},
        {"bad/json-unknown-feature.json", 0, "features[1]: unknown feature \"warp-drive\""},
        {"bad/yaml-negative.yaml", 8, "max_subleaf7: expected a number, got \"-1\""},
        {"bad/yaml-not-fingerprint.yaml", 1, "missing key \"vendor\""},
        {"bad/cpuid-r-malformed.txt", 3, "unrecognised line in cpuid -r output"},
        {"no-such-file.txt", 0, "cannot open"},
    };
    for (const auto &r : rows) {
        INFO(r.file);
        const std::string path = testing::fixture(r.file);
        try {
            import_policy_file(path);
            FAIL("accepted bad input");
        } catch (const Error &e) {
            CHECK(e.file() == path);
            CHECK(e.line() == r.line);
            CHECK_THAT(e.message(), Catch::Contains(r.message));
        }
    }
}

TEST_CASE("a JSON number too large for a double is an error, not a crash (found by the fuzzer)") {
    CHECK_THROWS_WITH(import_policy({"big.json", "{\"vendor\": 56e6547}"}), Catch::StartsWith("big.json: invalid JSON: ") && Catch::Contains("number overflow"));
}

TEST_CASE("a huge input or a huge line is refused before parsing") {
    InputText big{"big.txt", std::string(kMaxInputBytes + 1, 'a')};
    CHECK_THROWS_WITH(import_policy(big), Catch::Contains("big.txt: file is larger than 64 MiB"));
    InputText line{"line.txt", "CPUID 00000000: 0000000B-" + std::string(100000, 'A') + "\n"};
    CHECK_THROWS_WITH(import_policy(line), Catch::Contains("line.txt:1: line longer than 4096 characters"));
}

TEST_CASE("fingerprints round-trip exactly through JSON and YAML") {
    for (const char *f : {"instlat-skylake-server.txt", "instlat-milan.txt", "xen-cpuid-p-milan.txt", "cpuid-r-this-machine.txt"}) {
        INFO(f);
        const Policy p = load(f);
        const Policy from_json = import_policy({"j", policy_to_json(p, true).dump()});
        const Policy from_yaml = import_policy({"y", policy_to_yaml(p, true)});
        CHECK(from_json == p);
        CHECK(from_yaml == p);
        // Without raw leaves the guest view still round-trips.
        CHECK(import_policy({"j", policy_to_json(p, false).dump()}).same_guest_view(p));
    }
}

TEST_CASE("derived fixtures keep every feature of the real dump they came from") {
    const auto all = testing::dumps();
    if (all.empty()) {
        WARN("../shared/cpuid-dumps not present: skipped");
        return;
    }
    struct Row { const char *fixture, *dump; };
    const Row rows[] = {{"instlat-skylake-server.txt", "GenuineIntel0050654_SkylakeXeon.txt"},
                        {"instlat-milan.txt", "AuthenticAMD0A00F11_K19_Milan_02.txt"},
                        {"instlat-nehalem-oldformat.txt", "GenuineIntel00106A2_Nehalem-EP.txt"},
                        {"instlat-interlagos.txt", "AuthenticAMD0600F12_Interlagos.txt"}};
    for (const auto &r : rows) {
        INFO(r.fixture);
        const Policy small = load(r.fixture);
        const Policy full = import_policy_file((all.front().parent_path() / r.dump).string());
        CHECK(small.same_guest_view(full));
    }
}

TEST_CASE("every shared real dump imports") {
    const auto all = testing::dumps();
    if (all.empty()) WARN("../shared/cpuid-dumps not present: skipped");
    for (const auto &d : all) {
        INFO(d.filename().string());
        const Policy p = import_policy_file(d.string());
        const std::string name = d.filename().string();
        CHECK(name.rfind(p.vendor_id, 0) == 0);  // files are named after the vendor id
        CHECK(has(p, "fpu"));
        CHECK(p.max_extd_leaf >= 0x80000008u);
    }
}

TEST_CASE("deeply nested JSON and YAML fail cleanly instead of exhausting the stack") {
    const std::string deep_yaml = "vendor: " + std::string(200000, '[');
    const std::string deep_json = [] {
        std::string s;
        for (int i = 0; i < 100000; ++i) s += "{\"a\":";
        s += "1";
        return s + std::string(100000, '}');
    }();
    CHECK_THROWS_AS(import_policy({"deep.yaml", deep_yaml}), Error);
    CHECK_THROWS_AS(import_policy({"deep.json", deep_json}), Error);
}
