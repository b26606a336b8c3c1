// Reading the domain config (and its cpucompat record) from an xl save image.
#include <catch2/catch.hpp>

#include "../../toolstack/core/error.h"
#include "../../toolstack/import/input_file.h"
#include "../../toolstack/import/save_image.h"
#include "helpers.h"

using namespace cpucompat;

TEST_CASE("save image: the config and record at its head") {
    DomainRecord r{"hyperv-r2", "hyperv-r2-amd", "xen1", "2026-11-22T06:00:00Z", GuestType::pv,
                   testing::load("xen-cpuid-p-qemu-epyc.txt", "pv-default")};
    nlohmann::json config = {{"c_info", {{"type", "pv"}, {"name", "web 1"}, {"xsdata", {{kRecordKey, record_to_json(r)}}}}},
                             {"b_info", {{"max_memkb", 131072}}}};
    const auto back = parse_save_image_config(testing::save_image(config.dump()), "img");
    CHECK(config_domain_name(back) == "web 1");
    CHECK(config_guest_type(back) == GuestType::pv);
    const auto rec = config_record(back, "img");
    REQUIRE(rec);
    CHECK(rec->mode == "hyperv-r2");
    CHECK(rec->policy.same_guest_view(r.policy));

    config["c_info"].erase("xsdata");
    config["c_info"]["type"] = "pvh";
    const auto plain = parse_save_image_config(testing::save_image(config.dump()), "img");
    CHECK_FALSE(config_record(plain, "img"));
    CHECK(config_guest_type(plain) == GuestType::hvm);
}

TEST_CASE("save image: damaged or foreign files are named errors") {
    const std::string good = testing::save_image("{\"c_info\":{}}");
    struct Row { std::string bytes; const char *message; };
    std::string no_json = good;
    no_json[36] = 1;  // mandatory flags without JSON
    std::string huge = good;
    huge[44] = huge[45] = huge[46] = huge[47] = '\xff';
    const std::vector<Row> rows = {
        {"", "img: not an xl save image (no \"Xen saved domain, xl format\" header)"},
        {"LibxlFmt" + std::string(64, '\0'), "img: not an xl save image (no \"Xen saved domain, xl format\" header)"},
        {no_json, "img: save image holds no JSON domain config (saved by an old xl?)"},
        {huge, "img: save image header has a bad optional data length"},
        {good.substr(0, 60), "img: save image is truncated in its config"},
        {testing::save_image("{not json"), "img: save image config is not JSON"},
    };
    for (const auto &r : rows) CHECK_THROWS_WITH(parse_save_image_config(r.bytes, "img"), Catch::StartsWith(r.message));
}

TEST_CASE("save image fixture: read from a file, just its head") {
    const auto config = read_save_image_config(testing::fixture("save-image-head.bin"));
    CHECK(config_domain_name(config) == "rich");
    const auto rec = config_record(config, "save-image-head.bin");
    REQUIRE(rec);
    CHECK(rec->mode == "level:x86-64-v2");
    CHECK(rec->policy.vendor_id == "AuthenticAMD");
    CHECK(rec->policy.same_guest_view(record_from_json(cpucompat::read_input_file(testing::fixture("record-x86-64-v2.json")).text, "r").policy));
    CHECK_THROWS_WITH(read_save_image_config("/nonexistent.save"), Catch::StartsWith("/nonexistent.save: cannot open"));
}
