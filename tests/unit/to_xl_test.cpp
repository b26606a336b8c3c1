// to_xl(): the cpuid= setting, checked by libxl's own parser, and what it
// asks Xen to change.
#include <catch2/catch.hpp>

#include "../../toolstack/adapters/libxl_cpuid.h"
#include "../../toolstack/core/catalogue.h"
#include "../../toolstack/core/cpuid_filters.h"
#include "../../toolstack/core/error.h"
#include "../../toolstack/core/normalize.h"
#include "../../toolstack/core/to_xl.h"
#include "helpers.h"

using namespace cpucompat;
using testing::load;

TEST_CASE("every mode on every fixture host gives a cpuid= libxl accepts") {
    const char *hosts[] = {"instlat-skylake-server.txt", "instlat-sapphirerapids.txt", "instlat-nehalem-oldformat.txt",
                           "instlat-interlagos.txt", "instlat-zen1.txt", "instlat-milan.txt", "instlat-genoa.txt", "xen-cpuid-p-milan.txt"};
    const char *modes[] = {"off", "vendor", "hyperv-r2", "level:x86-64-v1", "level:x86-64-v2", "level:x86-64-v3",
                           "level:nehalem", "level:skylake-server", "level:zen1", "level:zen3"};
    unsigned produced = 0;
    for (const char *h : hosts)
        for (const char *m : modes) {
            INFO(h << " " << m);
            const Policy host = load(h);
            Policy p;
            try {
                p = normalize(host, parse_mode(m), testing::baselines());
            } catch (const Error &) {
                continue;  // below a floor or another vendor: covered elsewhere
            }
            const XlCpuid x = to_xl(p, host);
            CHECK_NOTHROW(validate_with_libxl(x));
            ++produced;
        }
    CHECK(produced >= 40);
}

TEST_CASE("cpuid= forms and contents") {
    const Policy sky = load("instlat-skylake-server.txt");
    CHECK(to_xl(normalize(sky, parse_mode("off"), testing::baselines()), sky).config_line() == "cpuid=\"host\"");

    const XlCpuid hv = to_xl(normalize(sky, parse_mode("hyperv-r2"), testing::baselines()), sky);
    CHECK(hv.form == XlCpuid::Form::libxl_string);
    CHECK(hv.items.front() == "host");
    for (const char *item : {"ssse3=0", "sse4-1=0", "sse4-2=0", "popcnt=0", "xsave=0", "avx=0", "avx2=0"})
        CHECK_THAT(hv.items, Catch::VectorContains(std::string(item)));
    for (const auto &i : hv.items) CHECK(i.find("apic") == std::string::npos);  // state bits are Xen's

    // Capping the extended leaf needs the xend list form.
    const Policy milan = load("instlat-milan.txt");
    const XlCpuid v = to_xl(normalize(milan, parse_mode("vendor"), testing::baselines()), milan);
    CHECK(v.form == XlCpuid::Form::xend_list);
    CHECK_THAT(v.items, Catch::VectorContains(std::string("0x80000000:eax=10000000000000000000000000011110")));
    CHECK_THAT(v.config_line(), Catch::StartsWith("cpuid=[\"0x0:eax=00000000000000000000000000001101\", "));
}

// Applies a string-form cpuid= the way Xen does to a host: start from what
// Xen gives by default, force the listed bits, then clear dependants.
static Featureset apply_string_form(const XlCpuid &x, const Policy &host) {
    Featureset fs = host.features & Catalogue::get().guest_default_view();
    for (std::size_t i = 1; i < x.items.size(); ++i) {
        const auto eq = x.items[i].find('=');
        const FeatureInfo *f = Catalogue::get().find(x.items[i].substr(0, eq));
        if (!f) continue;  // maxleaf=
        if (x.items[i][eq + 1] == '0') fs.clear(f->id);
        else fs.set(f->id);
    }
    return Catalogue::get().close_under_deps(fs);
}

TEST_CASE("a string-form cpuid= asks for exactly the normalized features") {
    for (const char *h : {"instlat-skylake-server.txt", "instlat-sapphirerapids.txt", "instlat-milan.txt"})
        for (const char *m : {"off", "hyperv-r2", "level:x86-64-v2", "level:x86-64-v3"}) {
            INFO(h << " " << m);
            const Policy host = load(h);
            const Policy p = normalize(host, parse_mode(m), testing::baselines());
            const XlCpuid x = to_xl(p, host);
            if (x.form != XlCpuid::Form::libxl_string) continue;
            CHECK(testing::names(apply_string_form(x, host)) == testing::names(p.features));
        }
}

TEST_CASE("libxl's parser rejects what xl would reject, with the reason") {
    XlCpuid s;
    s.items = {"host", "avx=0", "warp-drive=0"};
    CHECK_THROWS_WITH(validate_with_libxl(s), "libxl rejects cpuid item \"warp-drive=0\": unknown feature name");
    s.items = {"host", "avx=q"};
    CHECK_THROWS_WITH(validate_with_libxl(s), "libxl rejects cpuid item \"avx=q\": bad value (expected 0, 1, x, k, s or a number)");
    XlCpuid x;
    x.form = XlCpuid::Form::xend_list;
    x.items = {"0x1:ecx=0101"};
    CHECK_THROWS_WITH(validate_with_libxl(x), "libxl rejects cpuid entry \"0x1:ecx=0101\": register value is not 32 characters");
}

// The one builder of xend items (to_xl's list form and merge_cpuid).
TEST_CASE("cpuid filters: a feature's character lands in its register, limits only where nothing was written") {
    const Catalogue &cat = Catalogue::get();
    CpuidFilters f;
    REQUIRE(f.set_cpuid_feature(*cat.find("avx"), '0'));     // leaf 1 ecx bit 28
    REQUIRE(f.set_cpuid_feature(*cat.find("sse4-2"), '0'));  // leaf 1 ecx bit 20
    REQUIRE(f.set_cpuid_feature(*cat.find("avx2"), '1'));    // leaf 7,0 ebx bit 5
    CHECK_FALSE(f.set_cpuid_feature(*cat.find("rsba"), '0'));  // an MSR bit: not in the xend form
    CHECK(f.msr.empty());
    CHECK(f.feature_char(cat.find("avx")->id) == '0');
    CHECK(f.feature_char(cat.find("avx2")->id) == '1');
    CHECK(f.feature_char(cat.find("sse3")->id) == 'x');
    CHECK(f.feature_char(cat.find("rsba")->id) == 'x');

    Policy host, want;
    host.max_leaf = 0xd, host.max_subleaf7 = 1, host.max_extd_leaf = 0x80000021;
    want.max_leaf = 0xb, want.max_subleaf7 = 1, want.max_extd_leaf = 0x80000008;
    f.cpuid[{kExtdBase, kNoSubleaf, 0}] = filter_bits(0x8000001e);  // written before: kept
    f.lower_limits(want, host);
    CHECK(f.cpuid.at({0, kNoSubleaf, 0}) == filter_bits(0xb));
    CHECK(f.cpuid.count({7, 0, 0}) == 0);  // not lowered: not written
    CHECK(f.cpuid.at({kExtdBase, kNoSubleaf, 0}) == filter_bits(0x8000001e));

    std::string leaf1(32, 'x');
    leaf1[31 - 28] = '0';
    leaf1[31 - 20] = '0';
    std::string leaf7b(32, 'x');
    leaf7b[31 - 5] = '1';
    CHECK(f.xend_items() == std::vector<std::string>{"0x0:eax=" + filter_bits(0xb), "0x1:ecx=" + leaf1, "0x7,0:ebx=" + leaf7b,
                                                     "0x80000000:eax=" + filter_bits(0x8000001e)});
    CHECK(filter_bits(0xb) == "00000000000000000000000000001011");
}
