// make bench: the core operations beside floors measured in the same run.
//   compare       vs  a plain AND-NOT over the featureset words (goal: within 3x)
//   level of 1000 vs  a plain AND over 1000 featuresets (goal: under 1 ms)
//   normalize     (vendor mode, template lookup included)
//   import        a small InstLatx64 fixture vs reading its bytes (fread)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "../../toolstack/core/catalogue.h"
#include "../../toolstack/core/compare.h"
#include "../../toolstack/core/level.h"
#include "../../toolstack/core/normalize.h"
#include "../../toolstack/import/import.h"
#include "../../toolstack/import/template_yaml.h"

using namespace cpucompat;

namespace {

std::string fixture(const char *name) {
    const char *dir = std::getenv("CPUCOMPAT_FIXTURES");
    return std::string(dir && *dir ? dir : "tests/fixtures") + "/" + name;
}

const Policy &guest() { static const Policy p = import_policy_file(fixture("instlat-zen1.txt")); return p; }
const Policy &host() { static const Policy p = import_policy_file(fixture("instlat-milan.txt")); return p; }

// 1,000 same-vendor fingerprints: the Milan fixture with a few random
// features cleared in each, as in a pool of mixed steppings and microcode.
const std::vector<Policy> &pool() {
    static const std::vector<Policy> ps = [] {
        std::mt19937 rng(42);
        const auto &feats = Catalogue::get().features();
        std::vector<Policy> out(1000, host());
        for (auto &p : out)
            for (int i = 0; i < 4; ++i) p.features.clear(feats[rng() % feats.size()].id);
        return out;
    }();
    return ps;
}

void BM_compare_floor(benchmark::State &s) {
    const auto &g = guest().features.words(), &h = host().features.words();
    for (auto _ : s) {
        uint32_t missing = 0;
        for (unsigned i = 0; i < g.size(); ++i) missing |= g[i] & ~h[i];
        benchmark::DoNotOptimize(missing);
    }
}
void BM_compare(benchmark::State &s) {
    for (auto _ : s) benchmark::DoNotOptimize(compare(guest(), host()));
}
void BM_level1000_floor(benchmark::State &s) {
    for (auto _ : s) {
        Featureset acc = pool().front().features;
        for (const auto &p : pool()) acc &= p.features;
        benchmark::DoNotOptimize(acc);
    }
}
void BM_level1000(benchmark::State &s) {
    for (auto _ : s) benchmark::DoNotOptimize(level(pool()));
}
void BM_normalize_vendor(benchmark::State &s) {
    static const TemplateLibrary lib = load_template_library(default_data_dir());
    const Mode m = parse_mode("vendor");
    for (auto _ : s) benchmark::DoNotOptimize(normalize(host(), m, lib));
}

void BM_import_floor(benchmark::State &s) {
    const std::string path = fixture("instlat-milan.txt");
    std::string buf;
    for (auto _ : s) {
        FILE *f = std::fopen(path.c_str(), "rb");
        char chunk[1 << 16];
        buf.clear();
        for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) buf.append(chunk, n);
        std::fclose(f);
        benchmark::DoNotOptimize(buf.data());
    }
}
void BM_import(benchmark::State &s) {
    const std::string path = fixture("instlat-milan.txt");
    for (auto _ : s) benchmark::DoNotOptimize(import_policy_file(path));
}

BENCHMARK(BM_compare_floor);
BENCHMARK(BM_compare);
BENCHMARK(BM_level1000_floor)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_level1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_normalize_vendor)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_import_floor)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_import)->Unit(benchmark::kMicrosecond);

// Collects per-iteration real time (ns) so the summary can print ratios.
class Summary : public benchmark::ConsoleReporter {
public:
    std::map<std::string, double> ns;
    void ReportRuns(const std::vector<Run> &runs) override {
        for (const auto &r : runs) ns[r.benchmark_name()] = r.GetAdjustedRealTime() * (r.time_unit == benchmark::kMicrosecond ? 1e3 : 1.0);
        ConsoleReporter::ReportRuns(runs);
    }
};

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    Summary rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    auto &ns = rep.ns;
    std::printf("\n%-22s %14s %14s %8s   %s\n", "operation", "measured", "floor", "ratio", "goal");
    std::printf("%-22s %11.1f ns %11.1f ns %8.2f   within 3x of floor\n", "compare", ns["BM_compare"], ns["BM_compare_floor"],
                ns["BM_compare"] / ns["BM_compare_floor"]);
    std::printf("%-22s %11.1f us %11.1f us %8.2f   under 1000 us\n", "level of 1000", ns["BM_level1000"] / 1e3,
                ns["BM_level1000_floor"] / 1e3, ns["BM_level1000"] / ns["BM_level1000_floor"]);
    std::printf("%-22s %11.1f us %14s %8s\n", "normalize (vendor)", ns["BM_normalize_vendor"] / 1e3, "-", "-");
    std::printf("%-22s %11.1f us %11.1f us %8.2f   (floor: reading the file's bytes)\n", "import (InstLatx64)",
                ns["BM_import"] / 1e3, ns["BM_import_floor"] / 1e3, ns["BM_import"] / ns["BM_import_floor"]);
    return 0;
}
