// The data index (toolstack/import/data_index.h): built from the installed
// baselines and guest table, it gives the plugin what the YAML gives, and
// whenever it cannot be trusted (stale, damaged, missing) the YAML is read
// instead, with the same result.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>

#include "../../toolstack/core/guest.h"
#include "../../toolstack/import/data_index.h"
#include "../../toolstack/import/guest_table.h"
#include "helpers.h"

using namespace cpucompat;
namespace fs = std::filesystem;

namespace {

using testing::slurp;

void spit(const fs::path &p, const std::string &text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    REQUIRE(f.good());
}

// A copy of the installed data directory with its index, as a package has it.
struct DataCopy {
    testing::TempDir tmp{"index"};
    fs::path baselines = fs::path(tmp.path) / "baselines";
    fs::path guests = fs::path(tmp.path) / "guests.yaml";
    fs::path index = fs::path(tmp.path) / "index";
    DataCopy() {
        fs::copy(default_data_dir(), baselines);
        fs::copy_file(default_guest_table_path(), guests);
        fs::create_directories(index);
        for (const auto &[name, text] : build_data_index(baselines.string(), guests.string())) spit(index / name, text);
    }
    DataFiles files() const { return DataFiles(baselines.string(), guests.string(), index.string()); }
};

// What judgement uses of a template (the texts stay in the YAML).
void same_template(const CpuTemplate &a, const CpuTemplate &b) {
    CHECK(a.name == b.name);
    CHECK(a.vendor_id == b.vendor_id);
    CHECK(a.require.has_value() == b.require.has_value());
    if (a.require && b.require) CHECK(testing::names(*a.require) == testing::names(*b.require));
    CHECK(testing::names(a.hide) == testing::names(b.hide));
    CHECK(a.max_leaf == b.max_leaf);
    CHECK(a.max_extd_leaf == b.max_extd_leaf);
    CHECK(a.max_subleaf7 == b.max_subleaf7);
}

Mode level_mode(const std::string &name) { return Mode{Mode::Kind::level, name}; }

std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("data index: FNV-1a 64 digests, the published test vectors") {
    CHECK(data_file_digest("") == "fnv1a64:cbf29ce484222325");
    CHECK(data_file_digest("a") == "fnv1a64:af63dc4c8601ec8c");
    CHECK(data_file_digest("foobar") == "fnv1a64:85944171f73967e8");
}

TEST_CASE("data index: every baseline and every guest as the YAML gives them, without reading YAML") {
    const DataCopy d;
    const TemplateLibrary yaml = load_template_library(d.baselines.string());
    REQUIRE(yaml.size() >= 20);
    DataFiles files = d.files();
    for (const auto &[name, t] : yaml) {
        INFO(name);
        const TemplateLibrary got = files.templates_for(level_mode(name), "");
        REQUIRE(got.size() == 1);
        same_template(got.at(name), t);
    }
    // The modes that pick a baseline by the host's vendor.
    for (const auto &[mode, vendor, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"vendor", "AuthenticAMD", "vendor-amd"}, {"vendor", "GenuineIntel", "vendor-intel"},
             {"vendor", "HygonGenuine", "vendor-hygon"}, {"hyperv-r2", "GenuineIntel", "hyperv-r2-intel"}}) {
        INFO(mode << " on " << vendor);
        CHECK(files.templates_for(parse_mode(mode), vendor).count(key) == 1);
    }
    const LoadedGuestTable table = load_guest_table_levels(d.guests.string());
    REQUIRE(table.guests.size() >= 20);
    for (const auto &[name, g] : table.guests) {
        INFO(name);
        const GuestLookup got = files.guest(name);
        CHECK(got.needs.level == g.level);
        for (const GuestType type : {GuestType::pv, GuestType::hvm})
            CHECK(testing::names(guest_minimum(got.needs, got.levels, type)) == testing::names(guest_minimum(g, table.levels, type)));
    }
    CHECK(files.yaml_reads() == 0);
    CHECK(files.index_problem().empty());
}

TEST_CASE("data index: stale, damaged or missing, the YAML decides") {
    struct Row {
        std::string what;
        std::function<void(const DataCopy &)> change;
        bool problem;  // a warning is due (the package's index is damaged)
    };
    const auto edit_index = [](const std::string &file, const std::string &from, const std::string &to) {
        return [=](const DataCopy &d) {
            std::string s = slurp(d.index / file);
            const auto at = s.find(from);
            REQUIRE(at != std::string::npos);
            spit(d.index / file, s.replace(at, from.size(), to));
        };
    };
    const std::vector<Row> rows = {
        {"no index at all", [](const DataCopy &d) { fs::remove_all(d.index); }, false},
        {"baseline edited after the build",
         [](const DataCopy &d) { spit(d.baselines / "x86-64-v2.yaml", slurp(d.baselines / "x86-64-v2.yaml") + "max_extd_leaf: 0x80000008\n"); },
         false},
        {"guest table edited after the build",
         [](const DataCopy &d) {
             std::string s = slurp(d.guests);
             const auto at = s.find("name: rhel-9");
             REQUIRE(at != std::string::npos);
             const auto lv = s.find("level: x86-64-v2", at);
             REQUIRE(lv != std::string::npos);
             spit(d.guests, s.replace(lv, 16, "level: x86-64-v3"));
         },
         false},
        {"index file cut short", [](const DataCopy &d) { spit(d.index / "x86-64-v2.json", slurp(d.index / "x86-64-v2.json").substr(0, 40)); }, true},
        {"guest index cut short", [](const DataCopy &d) { spit(d.index / "guests.json", "{\"format\": \"cpucompat-index/1\", \"fi"); }, true},
        {"another format", edit_index("x86-64-v2.json", "cpucompat-index/1", "cpucompat-index/9"), true},
        {"a feature this Xen does not know", edit_index("x86-64-v2.json", "\"popcnt\"", "\"popcount-ng\""), true},
        {"a feature listed twice", edit_index("x86-64-v2.json", "\"popcnt\"", "\"sse3\""), true},
        {"an unknown key", edit_index("x86-64-v2.json", "\"vendor\"", "\"colour\":1,\"vendor\""), true},
        {"a limit that is not a number", edit_index("x86-64-v2.json", "\"max_leaf\":null", "\"max_leaf\":\"13\""), true},
        {"a digest of the wrong form", edit_index("x86-64-v2.json", "\"fnv1a64\":\"fnv1a64:", "\"fnv1a64\":\"md5:"), true},
        {"a template that contradicts itself", edit_index("x86-64-v2.json", "\"hide\":[]", "\"hide\":[\"sse2\"]"), true},
        {"a guest entry of another shape", edit_index("guests.json", "\"rhel-9\":{\"level\"", "\"rhel-9\":{\"lvl\""), true},
        {"a guest needing a feature renamed", edit_index("guests.json", "\"popcnt\"", "\"popcount-ng\""), true},
    };
    for (const Row &row : rows) {
        INFO(row.what);
        const DataCopy d;
        row.change(d);
        DataFiles files = d.files();
        // Whatever the index says, the answer is the YAML's as it is now.
        const TemplateLibrary yaml = load_templates_for(level_mode("x86-64-v2"), "", d.baselines.string());
        same_template(files.templates_for(level_mode("x86-64-v2"), "").at("x86-64-v2"), yaml.at("x86-64-v2"));
        const LoadedGuestTable table = load_guest_table_levels(d.guests.string());
        for (const char *name : {"rhel-9", "windows-11-24h2"}) {
            INFO(name);
            const GuestLookup got = files.guest(name);
            const GuestNeeds &want = table.find(name);
            CHECK(got.needs.level == want.level);
            CHECK(testing::names(guest_minimum(got.needs, got.levels, GuestType::hvm)) ==
                  testing::names(guest_minimum(want, table.levels, GuestType::hvm)));
        }
        CHECK(files.yaml_reads() > 0);
        CHECK(files.index_problem().empty() == !row.problem);
        if (row.problem) CHECK(files.index_problem().find(d.index.string()) == 0);
    }
}

TEST_CASE("data index: the same errors as the YAML for what is not there") {
    const DataCopy d;
    const DataCopy d_without;
    fs::remove_all(d_without.index);
    for (const DataCopy *copy : {&d, &d_without}) {
        INFO((copy == &d ? "with the index" : "without it"));
        DataFiles files = copy->files();
        const std::string want = error_of([&] { load_guest_table_levels(copy->guests.string()).find("beos-5", "cpu_compat_guest: "); });
        REQUIRE(!want.empty());
        CHECK(error_of([&] { files.guest("beos-5", "cpu_compat_guest: "); }) == want);
        // An unknown level: the whole directory, so normalize() can name the known ones.
        const TemplateLibrary all = files.templates_for(level_mode("pentium-mmx"), "");
        CHECK(all.size() == load_template_library(copy->baselines.string()).size());
        CHECK(files.index_problem().empty());
    }
}

TEST_CASE("data index: a guest's level read once when the mode already read it") {
    const DataCopy d;
    fs::remove_all(d.index);  // YAML only, so reads can be counted
    DataFiles files = d.files();
    files.templates_for(level_mode("x86-64-v2"), "");
    CHECK(files.yaml_reads() == 1);
    files.guest("rhel-9");  // the table once; x86-64-v2 is not read again
    CHECK(files.yaml_reads() == 2);
    const DataCopy indexed;
    DataFiles from_index = indexed.files();
    from_index.templates_for(level_mode("x86-64-v3"), "");
    CHECK(from_index.guest("rhel-10").levels.count("x86-64-v3") == 1);
    CHECK(from_index.yaml_reads() == 0);
}
