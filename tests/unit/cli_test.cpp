// The cpucompat command as a user runs it: exit codes, JSON, messages.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../../migration/process.h"
#include "../../toolstack/import/domain_record.h"
#include "helpers.h"


namespace {

struct Run {
    int status;
    std::string out, err;
};

using testing::slurp;

// Runs the CLI with argv (no shell), stdout and stderr captured.
Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), testing::env_or("CPUCOMPAT_CLI", "build/test/cpucompat"));
    const cpucompat::ProcessResult p = cpucompat::run_captured(args);  // the product's spawn (migration/process.h)
    return Run{p.status, p.out, p.err};
}

std::string fx(const char *name) { return testing::fixture(name); }

}  // namespace

TEST_CASE("cpucompat show --json prints exactly the file's features") {
    const Run r = cli({"--json", "show", fx("instlat-skylake-server.txt")});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["vendor"] == "GenuineIntel");
    CHECK(j["family"] == 6);
    CHECK(j["model"] == 85);
    CHECK(j["stepping"] == 4);
    CHECK(j["max_leaf"] == 0x16);
    CHECK(j["max_extd_leaf"] == 0x80000008u);
    CHECK(j["features"] == testing::names(testing::load("instlat-skylake-server.txt").features));
    // The option may also follow the subcommand.
    CHECK(cli({"show", "--json", fx("instlat-skylake-server.txt")}).out == r.out);
}

TEST_CASE("cpucompat compare: exit codes and JSON") {
    struct Row { const char *guest, *host; int status; bool vendor_mismatch; };
    const Row rows[] = {{"instlat-zen1.txt", "instlat-milan.txt", 0, false},
                        {"instlat-milan.txt", "instlat-zen1.txt", 1, false},
                        {"instlat-milan.txt", "instlat-skylake-server.txt", 1, true},
                        {"instlat-zen1.txt", "xen-cpuid-p-milan.txt", 0, false}};
    for (const auto &row : rows) {
        INFO(row.guest << " on " << row.host);
        const Run r = cli({"compare", "--json", fx(row.guest), fx(row.host)});
        CHECK(r.status == row.status);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["compatible"] == (row.status == 0));
        CHECK(j["vendor_mismatch"] == row.vendor_mismatch);
        CHECK(j["missing"].is_array());
        CHECK(j["limits"].is_array());
    }
    const Run human = cli({"compare", fx("instlat-interlagos.txt"), fx("instlat-milan.txt")});
    CHECK(human.status == 1);
    CHECK_THAT(human.out, Catch::Contains("missing feature xop (word 3 bit 11, CPUID 0x80000001 ECX bit 11)"));
}

TEST_CASE("cpucompat: bad usage and bad input exit 2 with one line naming the problem") {
    struct Row { std::vector<std::string> args; const char *err; };
    const std::vector<Row> rows = {
        {{"show", fx("bad/instlat-truncated.txt")}, "bad/instlat-truncated.txt:2: malformed CPUID line"},
        {{"show", fx("bad/binary.bin")}, "bad/binary.bin:1: binary data"},
        {{"compare", fx("instlat-milan.txt")}, "HOST is required"},
        {{"normalize", "--mode", "turbo", fx("instlat-milan.txt")}, "invalid cpu_compat mode \"turbo\""},
        {{"normalize", "--mode", "level:nehalem", fx("instlat-milan.txt")}, "template \"nehalem\" is for GenuineIntel CPUs"},
        {{"level", fx("instlat-milan.txt"), fx("instlat-skylake-server.txt")}, "cannot level across vendors"},
        {{"frobnicate"}, "cpucompat: "},
        {{}, "A subcommand is required"},
    };
    for (const auto &row : rows) {
        INFO((row.args.empty() ? std::string("(none)") : row.args[0]));
        const Run r = cli(row.args);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains(row.err));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.out.empty());
    }
}

TEST_CASE("cpucompat normalize: JSON, --xl, and below-floor verdicts") {
    const Run j = cli({"normalize", "--json", "--mode", "hyperv-r2", fx("instlat-skylake-server.txt")});
    REQUIRE(j.status == 0);
    const auto pol = nlohmann::json::parse(j.out);
    CHECK_THAT(pol["features"].get<std::vector<std::string>>(), !Catch::VectorContains(std::string("avx")));
    CHECK_THAT(pol["features"].get<std::vector<std::string>>(), Catch::VectorContains(std::string("sse2")));

    const Run pv = cli({"normalize", "--json", "--guest-type", "pv", "--policy", "pv-default", "--mode", "level:x86-64-v2",
                        fx("xen-cpuid-p-qemu-epyc.txt")});
    CHECK(pv.status == 0);
    CHECK(cli({"normalize", "--guest-type", "hvm", "--policy", "pv-default", "--mode", "level:x86-64-v2",
               fx("xen-cpuid-p-qemu-epyc.txt")}).status == 1);
    CHECK(cli({"normalize", "--guest-type", "pvh", "--mode", "off", fx("instlat-milan.txt")}).status == 2);

    const Run xl = cli({"normalize", "--xl", "--mode", "off", fx("instlat-milan.txt")});
    CHECK(xl.status == 0);
    CHECK(xl.out == "cpuid=\"host\"\n");

    const Run below = cli({"normalize", "--json", "--mode", "vendor", fx("instlat-k10.txt")});
    CHECK(below.status == 1);
    const auto b = nlohmann::json::parse(below.out);
    CHECK(b["below_floor"] == true);
    CHECK_THAT(b["missing"].get<std::vector<std::string>>(), Catch::VectorContains(std::string("sse4-2")));
    CHECK_THAT(below.err, Catch::Contains("instlat-k10.txt: host is below the floor of \"vendor-amd\""));

    const Run pool = cli({"normalize", "--json", "--mode", "pool", "--pool", fx("instlat-zen1.txt"), "--pool",
                          fx("instlat-milan.txt"), fx("instlat-milan.txt")});
    CHECK(pool.status == 0);
    CHECK(nlohmann::json::parse(pool.out)["max_extd_leaf"] == 0x8000001f);

    const Run file = cli({"normalize", "--xl", "--mode", "file:" + fx("template-custom.yaml"), fx("instlat-milan.txt")});
    CHECK(file.status == 0);
    CHECK_THAT(file.out, Catch::StartsWith("cpuid=[") && Catch::Contains("0x80000000:eax=10000000000000000000000000001000"));
}

TEST_CASE("cpucompat level: JSON, --xl and --template") {
    const Run j = cli({"level", "--json", fx("instlat-zen1.txt"), fx("instlat-milan.txt"), fx("instlat-genoa.txt")});
    REQUIRE(j.status == 0);
    CHECK(nlohmann::json::parse(j.out)["features"] == testing::names(testing::load("instlat-zen1.txt").features));
    const Run t = cli({"level", "--template", "mine", fx("instlat-zen1.txt"), fx("instlat-milan.txt")});
    CHECK(t.status == 0);
    CHECK_THAT(t.out, Catch::StartsWith("name: mine\n") && Catch::Contains("vendor: \"AuthenticAMD\"") && Catch::Contains("require: [fpu,"));
    const Run xl = cli({"level", "--xl", fx("instlat-zen1.txt"), fx("instlat-milan.txt")});
    CHECK(xl.status == 0);
    CHECK_THAT(xl.out, Catch::StartsWith("cpuid="));
}

TEST_CASE("cpucompat features lists the catalogue") {
    const Run r = cli({"features", "--json"});
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.size() == cpucompat::Catalogue::get().features().size());
    const auto xsave = std::find_if(j.begin(), j.end(), [](const auto &f) { return f["name"] == "xsave"; });
    REQUIRE(xsave != j.end());
    CHECK((*xsave)["leaf"] == "0x1");
    CHECK((*xsave)["register"] == "ecx");
    CHECK_THAT((*xsave)["dependants"].get<std::vector<std::string>>(), Catch::VectorContains(std::string("avx")));
}

TEST_CASE("cpucompat host outside Xen fails cleanly") {
    const Run r = cli({"host"});
    if (r.status == 0) {
        WARN("running on Xen: cpucompat host worked");
        return;
    }
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot open libxc"));
}

TEST_CASE("cpucompat check-restore: the plugin's verdict on a save image") {
    const cpucompat::Policy milan = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default");
    const cpucompat::DomainRecord rec{"off", "", "xen-c", "2026-11-22T06:00:00Z", cpucompat::GuestType::pv, milan};
    auto image = [](const std::string &name, const nlohmann::json &config) {
        const std::string path = "/tmp/cpucompat-test-" + name + ".save";
        std::ofstream(path, std::ios::binary) << testing::save_image(config.dump());
        return path;
    };
    const std::string with = image("rec", {{"c_info", {{"name", "g1"}, {"type", "pv"},
                                                       {"xsdata", {{cpucompat::kRecordKey, cpucompat::record_to_json(rec)}}}}}});
    const std::string without = image("norec", {{"c_info", {{"name", "g2"}, {"type", "pv"}}}});

    const Run same = cli({"check-restore", with, "--host", fx("xen-cpuid-p-qemu-epyc-milan.txt")});
    CHECK(same.status == 0);
    CHECK_THAT(same.out, Catch::StartsWith("domain g1 (mode off, created on xen-c 2026-11-22T06:00:00Z)\ncompatible"));

    const Run poorer = cli({"--json", "check-restore", with, "--host", fx("xen-cpuid-p-qemu-epyc.txt")});
    CHECK(poorer.status == 1);
    const auto j = nlohmann::json::parse(poorer.out);
    CHECK(j["compatible"] == false);
    CHECK(j["missing"] == nlohmann::json::array({"erms"}));
    CHECK(j["domain"] == "g1");
    CHECK(j["record"]["host"] == "xen-c");

    const Run intel = cli({"check-restore", with, "--host", fx("xen-cpuid-p-qemu-skylake.txt")});
    CHECK(intel.status == 1);
    CHECK_THAT(intel.out, Catch::Contains("vendor: guest is AuthenticAMD, host is GenuineIntel"));

    const Run none = cli({"check-restore", without, "--host", fx("xen-cpuid-p-qemu-skylake.txt")});
    CHECK(none.status == 0);
    CHECK_THAT(none.out, Catch::Contains("no cpucompat record"));

    // The guest its record names: the policy it keeps must still boot it.
    cpucompat::DomainRecord low = rec;
    low.guest_os = "windows-11-24h2";
    for (const char *f : {"sse4-2", "popcnt"}) low.policy.features.clear(testing::id(f));
    low.policy.features = cpucompat::Catalogue::get().close_under_deps(low.policy.features);
    cpucompat::DomainRecord fine = rec, unknown = rec;
    fine.guest_os = "rhel-9";
    unknown.guest_os = "plan9-4";
    const auto with_rec = [&](const std::string &n, const cpucompat::DomainRecord &r) {
        return image(n, {{"c_info", {{"name", n}, {"type", "pv"}, {"xsdata", {{cpucompat::kRecordKey, cpucompat::record_to_json(r)}}}}}});
    };
    const std::string low_img = with_rec("low", low), fine_img = with_rec("fine", fine), unknown_img = with_rec("unk", unknown);
    struct Row { std::string image; int status; std::string says; };
    for (const auto &r : std::vector<Row>{
             {low_img, 1, ", guest windows-11-24h2)\ncompatible: the guest policy runs on this host\nrefused: its guest windows-11-24h2 "
                          "would not boot: it needs sse4-2, popcnt, which mode off hides"},
             {fine_img, 0, ", guest rhel-9)\ncompatible"},
             {unknown_img, 0, "guest plan9-4: not in this host's guest table; not checked"}}) {
        INFO(r.image);
        const Run run = cli({"check-restore", r.image, "--host", fx("xen-cpuid-p-qemu-epyc-milan.txt")});
        CHECK(run.status == r.status);
        CHECK_THAT(run.out, Catch::Contains(r.says));
    }
    const auto jl = nlohmann::json::parse(cli({"--json", "check-restore", low_img, "--host", fx("xen-cpuid-p-qemu-epyc-milan.txt")}).out);
    CHECK(jl["compatible"] == false);
    CHECK(jl["record"]["guest_os"] == "windows-11-24h2");
    CHECK_THAT(jl["guest"]["refusal"].get<std::string>(), Catch::StartsWith("its guest windows-11-24h2 would not boot"));
    for (const auto &f : {low_img, fine_img, unknown_img}) std::remove(f.c_str());

    const Run bad = cli({"check-restore", fx("instlat-zen1.txt")});
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains("instlat-zen1.txt: not an xl save image"));
    std::remove(with.c_str());
    std::remove(without.c_str());
}

TEST_CASE("cpucompat create without a config, or without the plugin, exits 2 naming why") {
    CHECK(cli({"create"}).status == 2);
    // The test binary has no plugin beside it; CPUCOMPAT_PLUGIN points nowhere.
    setenv("CPUCOMPAT_PLUGIN", "/nonexistent/libxl-cpucompat.so", 1);
    const Run r = cli({"create", "/etc/xen/g.cfg"});
    unsetenv("CPUCOMPAT_PLUGIN");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::StartsWith("cpucompat: /nonexistent/libxl-cpucompat.so: the cpucompat plugin is not installed there"));
    // --check (what cpucompat migrate asks a receiver): plugin and config there, nothing run.
    setenv("CPUCOMPAT_PLUGIN", fx("template-custom.yaml").c_str(), 1);  // any readable file stands in
    const Run ready = cli({"create", "--check", fx("instlat-zen1.txt")});
    const Run missing = cli({"create", "--check", "/nonexistent/g.cfg"});
    unsetenv("CPUCOMPAT_PLUGIN");
    CHECK(ready.status == 0);
    CHECK_THAT(ready.out, Catch::EndsWith("instlat-zen1.txt: ready\n"));
    CHECK(missing.status == 2);
    CHECK_THAT(missing.err, Catch::StartsWith("cpucompat: /nonexistent/g.cfg: No such file or directory"));
}

TEST_CASE("cpucompat migrate-receive runs xl migrate-receive with the plugin preloaded and xl's options passed") {
    setenv("CPUCOMPAT_PLUGIN", "/nonexistent/libxl-cpucompat.so", 1);
    const Run absent = cli({"migrate-receive"});
    CHECK(absent.status == 2);
    CHECK_THAT(absent.err, Catch::Contains("/nonexistent/libxl-cpucompat.so: the cpucompat plugin is not installed there"));
    // A stand-in xl first on PATH reports what it was given.
    namespace fs = std::filesystem;
    const fs::path bin = fs::temp_directory_path() / ("cpucompat-fake-xl-" + std::to_string(::getpid()));
    fs::create_directories(bin);
    std::ofstream(bin / "xl") << "#!/bin/sh\necho \"xl $*\"\necho \"preload=$LD_PRELOAD\"\n";
    fs::permissions(bin / "xl", fs::perms::owner_all);
    const std::string old_path = std::getenv("PATH");
    // An empty file stands in for the plugin; the loader skips it with a warning on stderr.
    std::ofstream(bin / "plugin.so").flush();
    setenv("CPUCOMPAT_PLUGIN", (bin / "plugin.so").c_str(), 1);
    setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
    const Run r = cli({"migrate-receive", "-e", "-d"});
    setenv("PATH", old_path.c_str(), 1);
    unsetenv("CPUCOMPAT_PLUGIN");
    fs::remove_all(bin);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("xl migrate-receive -e -d\npreload=" + (bin / "plugin.so").string()));
}

// The receiver's end of a restart move, spoken to as cpucompat migrate
// does; a stand-in xl first on PATH logs what it is asked to do.
TEST_CASE("cpucompat create --hold: runs the domain only when told, destroys it otherwise") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("cpucompat-hold-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string log = (dir / "xl.log").string();
    std::ofstream(dir / "xl") << "#!/bin/sh\necho \"$*\" >> " << log << "\n"
                              << "case $1 in create) [ -e " << (dir / "fail").string() << " ] && exit 1;; domid) echo 7;; esac\nexit 0\n";
    fs::permissions(dir / "xl", fs::perms::owner_all);
    std::ofstream(dir / "plugin.so").flush();
    std::ofstream(dir / "g.cfg") << "name = \"web 1\"\nmemory = 64\n";
    const std::string cfg = (dir / "g.cfg").string();
    const std::string old_path = std::getenv("PATH");
    setenv("PATH", (dir.string() + ":" + old_path).c_str(), 1);
    setenv("CPUCOMPAT_PLUGIN", (dir / "plugin.so").c_str(), 1);
    const std::string bin = testing::env_or("CPUCOMPAT_CLI", "build/test/cpucompat");
    const auto xl_calls = [&] {
        const std::string s = slurp(log);
        fs::remove(log);
        return s;
    };
    std::string line;
    SECTION("told to run it") {
        cpucompat::Session s({bin, "create", "--hold", "30", cfg, "uuid=\"u-1\""});
        REQUIRE(s.read_line(line, 60));
        CHECK(line == "READY 7");
        CHECK(s.write_line("go"));
        REQUIRE(s.read_line(line, 60));
        CHECK(line == "RUNNING");
        CHECK(s.finish(60) == 0);
        CHECK(xl_calls() == "create -p " + cfg + " uuid=\"u-1\"\ndomid web 1\nunpause 7\n");
    }
    SECTION("the sender goes away: destroyed") {
        cpucompat::Session s({bin, "create", "--hold", "30", cfg});
        REQUIRE(s.read_line(line, 60));
        CHECK(s.finish(60) == 1);  // closes its stdin
        CHECK_THAT(s.err(), Catch::Contains("cpucompat: domain web 1: the sender did not confirm within 30 s; destroying it"));
        CHECK(xl_calls() == "create -p " + cfg + "\ndomid web 1\ndestroy 7\n");
    }
    SECTION("no word in time: destroyed") {
        cpucompat::Session s({bin, "create", "--hold", "1", cfg});
        REQUIRE(s.read_line(line, 60));
        CHECK_FALSE(s.read_line(line, 60));  // its end, after the hold
        CHECK_FALSE(s.timed_out());
        CHECK(s.finish(60) == 1);
        CHECK(xl_calls() == "create -p " + cfg + "\ndomid web 1\ndestroy 7\n");
    }
    SECTION("xl create fails: no READY, nothing to destroy") {
        std::ofstream(dir / "fail").flush();
        cpucompat::Session s({bin, "create", "--hold", "30", cfg});
        CHECK_FALSE(s.read_line(line, 60));
        CHECK(s.finish(60) == 1);
        CHECK_THAT(s.err(), Catch::Contains("cpucompat: domain web 1: not created: xl create exited with 1"));
        CHECK(xl_calls() == "create -p " + cfg + "\n");
    }
    SECTION("only a config and KEY=VALUEs") {
        const Run r = cli({"create", "--hold", "30", "-q", cfg});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("create --hold takes CFG [KEY=VALUE...] only, not xl's option -q"));
        const Run unnamed = cli({"create", "--hold", "30", (dir / "xl").string()});
        CHECK(unnamed.status == 2);
        CHECK_FALSE(fs::exists(log));  // xl never ran
    }
    setenv("PATH", old_path.c_str(), 1);
    unsetenv("CPUCOMPAT_PLUGIN");
    fs::remove_all(dir);
}

namespace {

// tests/fixtures/bad/expect.tsv: file, arguments, exit code, message fragment.
struct BadRow {
    std::string file;
    std::vector<std::string> args;
    int status;
    std::string fragment;
};

std::vector<BadRow> bad_corpus() {
    std::ifstream f(fx("bad/expect.tsv"));
    REQUIRE(f);
    std::vector<BadRow> rows;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> col;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, '\t');) col.push_back(c);
        REQUIRE(col.size() == 4);
        BadRow r{col[0], {}, std::stoi(col[2]), col[3]};
        std::stringstream as(col[1]);
        for (std::string a; as >> a;) {
            for (auto pos = a.find("FILE"); pos != std::string::npos; pos = a.find("FILE")) a.replace(pos, 4, fx(("bad/" + r.file).c_str()));
            if (a.rfind("FIX:", 0) == 0) a = fx(a.substr(4).c_str());
            r.args.push_back(a);
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

bool has_control_bytes(const std::string &s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return (c >= 0 && c < 0x20 && c != '\n') || c == 0x7f; });
}

}  // namespace

TEST_CASE("every file of the bad-input corpus is refused with its exit code and one line naming the problem") {
    const auto rows = bad_corpus();
    CHECK(rows.size() >= 50);
    // Every file in bad/ has a row: a file added without one is not tested.
    std::set<std::string> listed;
    for (const auto &r : rows) listed.insert(r.file);
    for (const auto &e : std::filesystem::directory_iterator(fx("bad")))
        if (e.path().filename() != "expect.tsv") CHECK(listed.count(e.path().filename().string()) == 1);
    for (const auto &row : rows) {
        INFO(row.file);
        const Run r = cli(row.args);
        CHECK(r.status == row.status);
        CHECK_THAT(r.err, Catch::Contains(row.fragment));
        CHECK_THAT(r.err, Catch::Contains(row.file));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(has_control_bytes(r.err));  // input bytes arrive escaped
        CHECK(r.out.empty());
        // --json: the same refusal, as JSON on stdout.
        std::vector<std::string> json_args = row.args;
        json_args.insert(json_args.begin(), "--json");
        const Run j = cli(json_args);
        CHECK(j.status == row.status);
        const auto parsed = nlohmann::json::parse(j.out);
        CHECK_THAT(parsed["error"].get<std::string>(), Catch::Contains(row.file));
        CHECK(parsed["exit"] == row.status);
    }
}

TEST_CASE("compare X X: every good fixture is compatible with itself, and each side names the policy it used") {
    struct Row { const char *file, *guest_policy, *host_policy; };
    const Row rows[] = {
        {"xen-cpuid-p-milan.txt", "HVM Default", "HVM Max"},
        {"xen-cpuid-p-qemu-epyc.txt", "HVM Default", "HVM Max"},
        {"xen-cpuid-p-qemu-epyc-milan.txt", "HVM Default", "HVM Max"},
        {"xen-cpuid-p-qemu-skylake.txt", "PV Default", "PV Max"},  // no HVM under TCG on Intel
        {"xen-cpuid-p-domain.txt", "Domain 3", "Domain 3"},
        {"instlat-milan.txt", "", ""},
        {"instlat-nehalem-oldformat.txt", "", ""},
        {"cpuid-r-this-machine.txt", "", ""},
        {"fingerprint-skylake.json", "", ""},
        {"fingerprint-milan.yaml", "", ""},
    };
    for (const auto &row : rows) {
        INFO(row.file);
        const Run r = cli({"--json", "compare", fx(row.file), fx(row.file)});
        CHECK(r.status == 0);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["compatible"] == true);
        const auto side = [](const nlohmann::json &s) { return s["policy"].is_null() ? std::string() : s["policy"].get<std::string>(); };
        CHECK(side(j["guest_input"]) == row.guest_policy);
        CHECK(side(j["host_input"]) == row.host_policy);
        CHECK(j["guest_input"]["file"] == fx(row.file));
        const Run text = cli({"compare", fx(row.file), fx(row.file)});
        CHECK(text.status == 0);
        CHECK_THAT(text.out, Catch::StartsWith("guest: " + fx(row.file)));
    }
    // A domain of the Milan host (its HVM Default) on the QEMU EPYC host (its HVM Max).
    const Run cross = cli({"--json", "compare", fx("xen-cpuid-p-milan.txt"), fx("xen-cpuid-p-qemu-epyc.txt")});
    CHECK(cross.status == 1);
    CHECK(nlohmann::json::parse(cross.out)["guest_input"]["policy"] == "HVM Default");
}

TEST_CASE("inputs are bounded and checked before they are read; output that cannot be written fails") {
    const std::string dir = std::filesystem::temp_directory_path() / ("cpucompat-limits-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    // Larger than the limit: refused by its size (a sparse file: nothing is
    // read, or the test would take the time the check saves).
    const std::string huge = dir + "/huge.txt";
    { std::ofstream(huge) << "CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n"; }
    std::filesystem::resize_file(huge, (64u << 20) + 1);
    Run r = cli({"show", huge});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("larger than 64 MiB"));
    // JSON and YAML get a tighter limit, so their parsers stay under 100 MB
    // (yaml-cpp takes ~240 bytes per byte of the worst case).
    const std::string big_yaml = dir + "/big.yaml";
    {
        std::ofstream y(big_yaml);
        y << "vendor: GenuineIntel\nfeatures: [";
        for (int i = 0; i < 300000; ++i) y << "fpu, ";
        y << "fpu]\n";
    }
    r = cli({"show", big_yaml});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("YAML input is larger than 256 KiB"));
    // A FIFO without a writer is refused at once, not waited on.
    const std::string fifo = dir + "/fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    r = cli({"show", fifo});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("not a regular file"));
    r = cli({"show", dir});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("is a directory"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("a write error on stdout (a full disk) exits 2, for text and JSON") {
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"show", fx("instlat-milan.txt")}, {"--json", "features"}, {"features"}}) {
        const std::string bin = testing::env_or("CPUCOMPAT_CLI", "build/test/cpucompat");
        std::string cmd = "'" + bin + "'";
        for (const auto &a : args) cmd += " '" + a + "'";
        const int status = std::system((cmd + " > /dev/full 2>/dev/null").c_str());
        INFO(cmd);
        CHECK(WEXITSTATUS(status) == 2);
    }
}

TEST_CASE("--json is JSON on stdout for every command and option combination, or a clear refusal") {
    struct Row { std::vector<std::string> args; int status; const char *key; };
    const std::vector<Row> rows = {
        {{"show", fx("instlat-milan.txt")}, 0, "features"},
        {{"show", "--raw", fx("instlat-milan.txt")}, 0, "leaves"},
        {{"show", "--yaml", fx("instlat-milan.txt")}, 2, "error"},
        {{"compare", fx("instlat-zen1.txt"), fx("instlat-milan.txt")}, 0, "guest_input"},
        {{"level", fx("instlat-zen1.txt"), fx("instlat-milan.txt")}, 0, "inputs"},
        {{"level", "--xl", fx("instlat-zen1.txt"), fx("instlat-milan.txt")}, 0, "xl"},
        {{"level", "--template", "t", fx("instlat-zen1.txt"), fx("instlat-milan.txt")}, 0, "template"},
        {{"normalize", "--mode", "vendor", fx("instlat-milan.txt")}, 0, "inputs"},
        {{"normalize", "--xl", "--mode", "level:x86-64-v2", fx("instlat-milan.txt")}, 0, "xl"},
        {{"normalize", "--mode", "level:zen4", fx("instlat-zen1.txt")}, 1, "missing"},
        {{"features"}, 0, ""},
        {{"guests"}, 0, ""},
        {{"guests", "--names"}, 0, ""},
        {{"guests", "nosuch-os"}, 2, "error"},
        {{"create", "x.cfg"}, 2, "error"},
        {{"migrate-receive"}, 2, "error"},
        {{"show", fx("no-such-file.txt")}, 2, "error"},
    };
    for (const auto &row : rows) {
        std::vector<std::string> args = row.args;
        args.insert(args.begin(), "--json");
        INFO(args[1] << " " << (args.size() > 2 ? args[2] : ""));
        const Run r = cli(args);
        CHECK(r.status == row.status);
        nlohmann::json j;
        REQUIRE_NOTHROW(j = nlohmann::json::parse(r.out));
        if (*row.key) CHECK(j.contains(row.key));
    }
    // The cpuid= line under --json is the one --xl prints.
    const Run xl = cli({"normalize", "--xl", "--mode", "level:x86-64-v2", fx("instlat-milan.txt")});
    const Run jxl = cli({"--json", "normalize", "--xl", "--mode", "level:x86-64-v2", fx("instlat-milan.txt")});
    CHECK(nlohmann::json::parse(jxl.out)["xl"].get<std::string>() + "\n" == xl.out);
    // What normalize --json writes is a fingerprint that reads back.
    const std::string tmp = std::filesystem::temp_directory_path() / ("cpucompat-norm-" + std::to_string(getpid()) + ".json");
    { std::ofstream(tmp) << cli({"--json", "normalize", "--mode", "vendor", fx("instlat-milan.txt")}).out; }
    CHECK(cli({"show", tmp}).status == 0);
    std::filesystem::remove(tmp);
}

TEST_CASE("cpucompat --version: the changelog's version and the Xen it was built against") {
    // debian/changelog is the version's one home (the Makefile reads it).
    std::ifstream changelog(testing::fixture("../../debian/changelog"));
    std::string first;
    std::getline(changelog, first);
    const auto open = first.find('('), close = first.find(')');
    REQUIRE(open != std::string::npos);
    REQUIRE(close > open);
    const std::string version = first.substr(open + 1, close - open - 1);
    std::string xen;
    {
        FILE *p = popen("dpkg-query -W -f='${Version}' libxen-dev", "r");
        REQUIRE(p);
        char buf[256];
        while (fgets(buf, sizeof buf, p)) xen += buf;
        REQUIRE(pclose(p) == 0);
    }
    for (const auto &args : std::vector<std::vector<std::string>>{{"--version"}, {"--version", "show"}}) {
        const Run r = cli(args);
        CHECK(r.status == 0);
        CHECK(r.out == "cpucompat " + version + "\nbuilt against Xen " + xen + "\n");
        CHECK(r.err.empty());
    }
    for (const auto &args : std::vector<std::vector<std::string>>{{"--json", "--version"}, {"--version", "--json"}}) {
        const Run r = cli(args);
        CHECK(r.status == 0);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j == nlohmann::json{{"version", version}, {"xen_built_against", xen}});
    }
}

TEST_CASE("cpucompat guests: the table, named entries, names for completion") {
    const Run all = cli({"guests"});
    CHECK(all.status == 0);
    CHECK_THAT(all.out, Catch::Contains("windows-11-24h2: Windows 11 24H2 and later"));
    CHECK_THAT(all.out, Catch::Contains("    needs   level:x86-64-v2\n"));
    const Run one = cli({"guests", "windows-server-2025"});
    CHECK(one.status == 0);
    // Featureset order: leaf 1 EDX, ECX, then 0x80000001 EDX, ECX.
    CHECK_THAT(one.out, Catch::Contains("    needs   cx16 sse4-2 popcnt nx lm lahf-lm\n"));
    CHECK_THAT(one.out, Catch::Contains("    minimum cx16 sse4-2 popcnt nx lm lahf-lm\n"));
    CHECK_THAT(one.out, Catch::Contains("/windows-server/get-started/hardware-requirements (read 2026-11-30)\n"));
    CHECK(one.out.find("rhel-9") == std::string::npos);
    const Run names = cli({"guests", "--names"});
    CHECK(names.status == 0);
    CHECK_THAT(names.out, Catch::StartsWith("alma-8\ncentos-stream-9\n") && Catch::Contains("\nrhel-9\n") && Catch::Contains("\nwindows-11-24h2\n"));
    // JSON: the level, the features beyond it, and the whole minimum.
    const auto j = nlohmann::json::parse(cli({"--json", "guests", "rhel-9", "windows-11-24h2"}).out);
    REQUIRE(j.size() == 2);
    CHECK(j[0]["name"] == "rhel-9");
    CHECK(j[0]["level"] == "x86-64-v2");
    CHECK(j[0]["features"].empty());
    CHECK(j[0]["minimum"].size() == 29);  // x86-64-v2: the psABI features and the architectural base but vme
    CHECK(j[1]["level"].is_null());
    CHECK(j[1]["minimum"] == nlohmann::json::array({"sse2", "cx16", "sse4-2", "popcnt", "nx", "lm", "lahf-lm"}));
    const Run unknown = cli({"guests", "rhel-99"});
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.err, Catch::Contains("no guest \"rhel-99\" (cpucompat guests lists them)"));
}

TEST_CASE("normalize and level --guest: a warning, or exit 1 with --strict, when the guest would not boot") {
    struct Row { std::vector<std::string> args; int status; std::string err; std::vector<std::string> missing; };
    const std::string spr = fx("instlat-sapphirerapids.txt"), milan = fx("instlat-milan.txt"), k10 = fx("instlat-k10.txt");
    const std::string w11 = "cpucompat: warning: guest windows-11-24h2 would not boot with this policy: it needs sse4-2, popcnt "
                            "(cpucompat guests windows-11-24h2)\n";
    const std::vector<Row> rows = {
        // The Hyper-V 2008 R2 mask hides what Windows 11 24H2 needs.
        {{"normalize", "--mode", "hyperv-r2", "--guest", "windows-11-24h2", spr}, 0, w11, {"sse4-2", "popcnt"}},
        {{"normalize", "--xl", "--mode", "hyperv-r2", "--guest", "windows-11-24h2", spr}, 0, w11, {"sse4-2", "popcnt"}},
        {{"normalize", "--strict", "--mode", "hyperv-r2", "--guest", "windows-11-24h2", spr}, 1, w11.substr(0, 11) + w11.substr(20), {"sse4-2", "popcnt"}},
        {{"normalize", "--strict", "--mode", "level:x86-64-v2", "--guest", "windows-11-24h2", spr}, 0, "", {}},
        // A PV domain is not asked for HVM-only features (x86-64-v2 lists vme).
        {{"normalize", "--strict", "--guest-type", "pv", "--mode", "level:x86-64-v2", "--guest", "rhel-9", milan}, 0, "", {}},
        // A pool with a K10 host is too low for RHEL 9.
        {{"level", "--guest", "rhel-9", k10, milan}, 0,
         "cpucompat: warning: guest rhel-9 would not boot with this policy: it needs ssse3, sse4-1, sse4-2 (cpucompat guests rhel-9)\n",
         {"ssse3", "sse4-1", "sse4-2"}},
        {{"level", "--strict", "--guest", "rhel-9", milan}, 0, "", {}},
    };
    for (const auto &row : rows) {
        std::string line;
        for (const auto &a : row.args) line += a + " ";
        INFO(line);
        const Run r = cli(row.args);
        CHECK(r.status == row.status);
        CHECK(r.err == row.err);
        std::vector<std::string> json_args = row.args;
        json_args.insert(json_args.begin(), "--json");
        const Run j = cli(json_args);
        CHECK(j.status == row.status);
        const auto guest = nlohmann::json::parse(j.out)["guest"];
        CHECK(guest["boots"] == row.missing.empty());
        CHECK(guest["missing"] == nlohmann::json(row.missing));
    }
    // Refused before anything is computed.
    struct Bad { std::vector<std::string> args; std::string err; };
    for (const auto &b : std::vector<Bad>{
             {{"level", "--strict", milan}, "--strict requires --guest"},
             {{"level", "--template", "t", "--guest", "rhel-9", milan}, "--template excludes --guest"},
             {{"normalize", "--mode", "vendor", "--guest", "rhel-99", milan}, "--guest: no guest \"rhel-99\" (cpucompat guests lists them)"}}) {
        const Run r = cli(b.args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Contains(b.err));
    }
}

TEST_CASE("cpucompat pool status and what-if from fingerprint files") {
    const std::string zen1 = "a=" + fx("xen-cpuid-p-qemu-epyc.txt"), zen3 = "c=" + fx("xen-cpuid-p-qemu-epyc-milan.txt"),
                      intel = "b=" + fx("xen-cpuid-p-qemu-skylake.txt");
    const Run s = cli({"pool", "status", "--json", "--pool", zen3, "--pool", intel, "--pool", zen1});
    REQUIRE(s.status == 0);
    const auto sj = nlohmann::json::parse(s.out);
    REQUIRE(sj["levels"].size() == 2);
    CHECK(sj["levels"][0]["vendor"] == "AuthenticAMD");
    CHECK(sj["levels"][0]["hosts"] == nlohmann::json::array({"c", "a"}));
    CHECK(sj["levels"][1]["hosts"] == nlohmann::json::array({"b"}));
    CHECK(sj["hosts"].size() == 3);
    CHECK(sj["domains"].empty());

    // Zen 1 joining a Zen 3 pool: the AMD level loses what Zen 1 lacks; the
    // Intel host leaving takes its vendor's level with it.
    const Run w = cli({"pool", "what-if", "--json", "--pool", zen3, "--pool", intel, "--add", "w=" + fx("xen-cpuid-p-qemu-epyc.txt"), "--remove", "b"});
    REQUIRE(w.status == 0);  // no domains judged (no --node): nothing affected
    const auto wj = nlohmann::json::parse(w.out);
    REQUIRE(wj["levels"].size() == 2);
    CHECK(wj["levels"][0]["changed"] == true);
    CHECK(wj["levels"][0]["hosts_after"] == nlohmann::json::array({"c", "w"}));
    CHECK(wj["levels"][0]["lost"] == testing::names(testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "max").features.minus(
                                          testing::load("xen-cpuid-p-qemu-epyc.txt", "max").features)));
    CHECK(wj["levels"][1]["fingerprint_after"].is_null());
    const Run human = cli({"pool", "what-if", "--pool", zen3, "--pool", intel, "--add", "w=" + fx("xen-cpuid-p-qemu-epyc.txt")});
    CHECK_THAT(human.out, Catch::Contains("AuthenticAMD (c -> c, w): level lowers; loses erms"));
    CHECK_THAT(human.out, Catch::Contains("GenuineIntel (b -> b): level unchanged"));

    struct Row { std::vector<std::string> args; const char *err; };
    const std::vector<Row> rows = {
        {{"pool", "what-if", "--pool", zen3}, "nothing changes"},
        {{"pool", "what-if", "--pool", zen3, "--remove", "x"}, "cannot remove x: it is not a host of the pool"},
        {{"pool", "what-if", "--pool", zen3, "--add", zen1, "--add", "a=" + fx("xen-cpuid-p-qemu-epyc.txt")}, "pool host a is named twice"},
        {{"pool", "status", "--pool", zen3, "--pool", "c=" + fx("xen-cpuid-p-qemu-epyc.txt")}, "pool host c is named twice"},
        {{"pool", "status", "--pool", "bad name=" + fx("xen-cpuid-p-qemu-epyc.txt")}, "\"bad name\" is not a node name"},
        {{"pool", "status", "--pool", zen3, "--node", "zz"}, "--node zz: not a host of the pool"},
        {{"pool", "status", "--pool", "x=" + fx("bad/binary.bin")}, "bad/binary.bin:1: binary data"},
        {{"pool", "status", "--pool", zen3, "--node", "c", "--levels-only"}, "--node excludes --levels-only"},
        {{"pool", "domains", "--pool", zen3}, "pool domains --pool: give --node NAME (which pool host this is)"},
        // Off-cluster (no CIB_file, no cluster), without files: told both ways.
        {{"pool", "status"}, "no --pool, and the cluster's configuration cannot be read (cibadmin --query --scope nodes: "},
        {{"pool", "what-if", "--remove", "x"}, "give the hosts' fingerprints with --pool [NAME=]FILE"},
        {{"pool"}, "A subcommand is required"},
    };
    for (const auto &row : rows) {
        INFO(row.args.back());
        const Run r = cli(row.args);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains(row.err));
        CHECK(r.out.empty());
    }
}
