// The generated catalogue against the installed Xen it was generated from.
#include <catch2/catch.hpp>

#include <map>

#include <cstring>

#include "../../toolstack/adapters/xen_headers.h"
#include "../../toolstack/core/text.h"
#include "helpers.h"

extern "C" const uint32_t *x86_cpu_policy_lookup_deep_deps(uint32_t feature);

using namespace cpucompat;

namespace {
struct XFeat { const char *name; unsigned value; };
const XFeat kHeader[] = {
#define XEN_CPUFEATURE(name, value) {#name, value},
#include <xen/arch-x86/cpufeatureset.h>
#undef XEN_CPUFEATURE
};
}  // namespace

TEST_CASE("every cpufeatureset.h feature is in the catalogue with its libxl name and bit") {
    const Catalogue &cat = Catalogue::get();
    REQUIRE(cat.features().size() == std::size(kHeader));
    for (const auto &h : kHeader) {
        const FeatureInfo *f = cat.find(h.name);
        INFO(h.name);
        REQUIRE(f != nullptr);
        CHECK(f->id == h.value);
        CHECK(std::strcmp(f->xen_name, h.name) == 0);
        for (const char *p = f->name; *p; ++p) CHECK((std::islower(static_cast<unsigned char>(*p)) || std::isdigit(static_cast<unsigned char>(*p)) || *p == '-'));
    }
    CHECK(kFeaturesetWords == xc_get_cpu_featureset_size());
}

TEST_CASE("feature names in libxl, header and xen-cpuid spellings") {
    struct Row { const char *input; const char *libxl; unsigned word, bit; };
    const Row rows[] = {
        {"sse4-1", "sse4-1", 1, 19}, {"SSE4_1", "sse4-1", 1, 19}, {"sse4_1", "sse4-1", 1, 19}, {"sse41", "sse4-1", 1, 19},
        {"lzcnt", "abm", 3, 5},      {"abm", "abm", 3, 5},         {"msse", "misalignsse", 3, 7},
        {"3dnow+", "3dnowext", 2, 30}, {"mmx+", "mmxext", 2, 22}, {"avx512f", "avx512f", 5, 16},
        {"XSAVE", "xsave", 1, 26},   {"its-no", "its-no", 17, 30}, {"lfence+", "lfence-dispatch", 11, 2},
    };
    for (const auto &r : rows) {
        INFO(r.input);
        const FeatureInfo *f = Catalogue::get().find(r.input);
        REQUIRE(f != nullptr);
        CHECK(std::string(f->name) == r.libxl);
        CHECK(f->word() == r.word);
        CHECK(f->bit() == r.bit);
    }
    CHECK(Catalogue::get().find("warp-drive") == nullptr);
    CHECK(Catalogue::get().find("") == nullptr);
}

TEST_CASE("every name finds its feature; a xen-cpuid spelling the first feature with it") {
    // find() is a binary search: names must be unique, and a spelling two
    // features share (xen-cpuid's "ppin") must find the first in catalogue
    // order, as the scan it replaced did; a libxl name wins over another
    // feature's spelling.
    std::map<std::string, std::string> names, first_with_spelling;
    for (const auto &f : Catalogue::get().features()) {  // in id order
        INFO(f.name);
        CHECK(names.emplace(f.name, f.name).second);
        CHECK(std::string(f.name) == fold_name(f.name));
        CHECK(Catalogue::get().find(f.name) == &f);
        if (*f.xen_cpuid) first_with_spelling.emplace(fold_name(f.xen_cpuid), f.name);
    }
    for (const auto &[spelling, name] : first_with_spelling) {
        INFO(spelling);
        const FeatureInfo *f = Catalogue::get().find(spelling);
        REQUIRE(f != nullptr);
        CHECK(std::string(f->name) == (names.count(spelling) ? spelling : name));
    }
    CHECK(std::string(Catalogue::get().find("ppin")->name) == "amd-ppin");
}

TEST_CASE("word locations come from the header's comments") {
    struct Row { unsigned word; WordSource src; uint32_t leaf, subleaf, msr; const char *reg; };
    const Row rows[] = {
        {0, WordSource::cpuid, 1, kNoSubleaf, 0, "edx"},       {1, WordSource::cpuid, 1, kNoSubleaf, 0, "ecx"},
        {3, WordSource::cpuid, 0x80000001, kNoSubleaf, 0, "ecx"}, {4, WordSource::cpuid, 0xd, 1, 0, "eax"},
        {5, WordSource::cpuid, 7, 0, 0, "ebx"},               {10, WordSource::cpuid, 7, 1, 0, "eax"},
        {16, WordSource::msr, 0, kNoSubleaf, 0x10a, "eax"},   {17, WordSource::msr, 0, kNoSubleaf, 0x10a, "edx"},
    };
    for (const auto &r : rows) {
        INFO("word " << r.word);
        const WordInfo &w = Catalogue::get().words().at(r.word);
        CHECK(w.source == r.src);
        if (r.src == WordSource::cpuid) {
            CHECK(w.leaf == r.leaf);
            CHECK(w.subleaf == r.subleaf);
        } else {
            CHECK(w.msr == r.msr);
        }
        CHECK(std::string(w.reg) == r.reg);
    }
}

TEST_CASE("attributes parsed from the header comments") {
    const Catalogue &cat = Catalogue::get();
    CHECK(std::string(cat.find("fpu")->attrs) == "A");
    CHECK(cat.find("vmx")->guest_capable());
    CHECK_FALSE(cat.find("vmx")->guest_default());  // 'h': opt-in
    CHECK(cat.find("apic")->special());
    CHECK_FALSE(cat.find("monitor")->guest_capable());
    CHECK(cat.find("pcid")->guest_default());  // 'H'
}

TEST_CASE("deep dependencies equal libxenguest's, feature by feature") {
    const Catalogue &cat = Catalogue::get();
    for (const auto &f : cat.features()) {
        INFO(f.name);
        const uint32_t *xen = x86_cpu_policy_lookup_deep_deps(f.id);
        const Featureset *ours = cat.deep_deps(f.id);
        REQUIRE((xen == nullptr) == (ours == nullptr));
        if (xen)
            for (unsigned w = 0; w < kFeaturesetWords; ++w) CHECK(ours->words()[w] == xen[w]);
    }
}

TEST_CASE("closing under dependencies clears what Xen would clear") {
    using testing::id;
    struct Row { const char *cleared; std::vector<const char *> gone, kept; };
    const std::vector<Row> rows = {
        {"xsave", {"avx", "avx2", "fma", "f16c", "avx512f", "avx512vl", "xsaveopt", "pku"}, {"sse4-2", "aesni"}},
        {"ssse3", {"sse4-1", "sse4-2"}, {"sse3", "avx"}},
        {"avx", {"avx2", "fma", "f16c", "avx512f"}, {"xsave", "sse4-2"}},
        {"sse2", {"sse3", "ssse3", "sse4-1", "sse4-2", "aesni", "sha", "lm"}, {"mmx", "fpu", "avx"}},
    };
    for (const auto &r : rows) {
        INFO(r.cleared);
        Featureset fs = Catalogue::get().known();
        fs.clear(id(r.cleared));
        const Featureset closed = Catalogue::get().close_under_deps(fs);
        for (const char *g : r.gone) CHECK_FALSE(closed.test(id(g)));
        for (const char *k : r.kept) CHECK(closed.test(id(k)));
    }
}
