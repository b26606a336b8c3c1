// Build-time generator of the feature catalogue (toolstack/core/catalogue.cpp
// includes its output). Every fact comes from the installed Xen, nothing is
// copied by hand:
//   - names and bit numbers: the X-macro over <xen/arch-x86/cpufeatureset.h>;
//   - attribute flags and the leaf/register of each word: that header's
//     comments (they are not part of the ABI, so no macro exposes them);
//   - deep dependencies: libxenguest's x86_cpu_policy_lookup_deep_deps();
//   - xen-cpuid 4.17's own spellings: its offline "interpret" output, passed
//     in as a file, since 4.17's xen-cpuid keeps a private hand-written table.
//
// Usage: gen_catalogue HEADER XEN_CPUID_INTERPRET_OUTPUT OUTDIR
// writes OUTDIR/catalogue_size.h (the featureset length, for the Featureset
// type) and OUTDIR/catalogue_table.inc (the tables).

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <xenctrl.h>
#include <xenguest.h>
// Exported by libxenguest.so.4.17 but declared only in Xen's uninstalled
// xen/lib/x86/cpu-policy.h. Returns NULL or FEATURESET_NR_ENTRIES words.
const uint32_t *x86_cpu_policy_lookup_deep_deps(uint32_t feature);
}

namespace {

struct XmacroFeature {
    const char *name;
    unsigned value;
};

const XmacroFeature kXmacro[] = {
#define XEN_CPUFEATURE(name, value) {#name, value},
#include <xen/arch-x86/cpufeatureset.h>
#undef XEN_CPUFEATURE
};

struct Word {
    int index = -1;
    std::string source;  // "cpuid" or "msr"
    unsigned leaf = 0, subleaf = 0xffffffffu, msr = 0;
    std::string reg;     // eax..edx
};

[[noreturn]] void die(const std::string &msg) {
    std::cerr << "gen_catalogue: " << msg << "\n";
    std::exit(1);
}

std::string libxl_name(const std::string &xen) {
    std::string out;
    for (char c : xen) out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string read_all(const char *path) {
    std::ifstream in(path);
    if (!in) die(std::string("cannot read ") + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string c_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4) die("usage: gen_catalogue HEADER XEN_CPUID_OUTPUT OUTDIR");
    const std::string header = read_all(argv[1]);
    const std::string xcpuid = read_all(argv[2]);
    const unsigned nr_words = xc_get_cpu_featureset_size();

    // Word sources from section comments, e.g.
    // "CPUID level 0x00000007:1.eax, word 10", "MSR_ARCH_CAPS 0x10a.eax, word 16".
    std::map<int, Word> words;
    const std::regex cpuid_re(R"(CPUID level 0x([0-9A-Fa-f]+)(?::([0-9]+))?\.(e[abcd]x), word ([0-9]+))");
    const std::regex msr_re(R"(MSR_[A-Z_]+ 0x([0-9A-Fa-f]+)\.(e[abcd]x), word ([0-9]+))");
    for (std::sregex_iterator it(header.begin(), header.end(), cpuid_re), end; it != end; ++it) {
        Word w;
        w.index = std::stoi((*it)[4]);
        w.source = "cpuid";
        w.leaf = std::stoul((*it)[1], nullptr, 16);
        if ((*it)[2].matched) w.subleaf = std::stoul((*it)[2]);
        w.reg = (*it)[3];
        words[w.index] = w;
    }
    for (std::sregex_iterator it(header.begin(), header.end(), msr_re), end; it != end; ++it) {
        Word w;
        w.index = std::stoi((*it)[3]);
        w.source = "msr";
        w.msr = std::stoul((*it)[1], nullptr, 16);
        w.reg = (*it)[2];
        words[w.index] = w;
    }
    for (unsigned i = 0; i < nr_words; ++i)
        if (!words.count(static_cast<int>(i))) die("no source comment for featureset word " + std::to_string(i));

    // Attributes: characters before the first space of the comment after the value.
    std::map<std::string, std::pair<std::string, std::string>> attrs;  // name -> (flags, description)
    const std::regex feat_re(R"(XEN_CPUFEATURE\(([A-Z0-9_]+),[^)]*\)\s*/\*(\S*)\s*(.*?)\s*\*/)");
    for (std::sregex_iterator it(header.begin(), header.end(), feat_re), end; it != end; ++it)
        attrs[(*it)[1]] = {(*it)[2], (*it)[3]};

    // xen-cpuid interpret output of an all-ones featureset: one line per word,
    // "  [NN] <source>  name name <N> ...", every bit in order.
    std::map<unsigned, std::string> xc_names;
    std::istringstream xs(xcpuid);
    std::string line;
    const std::regex word_re(R"(^\s*\[([0-9]+)\]\s+(CPUID 0x[0-9a-f]+(?::[0-9]+)?\.e[a-d]x|MSR_ARCH_CAPS\.(?:lo|hi))\s+(.*)$)");
    while (std::getline(xs, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, word_re)) continue;
        const unsigned word = std::stoul(m[1]);
        std::istringstream toks(m[3].str());
        std::string tok;
        unsigned bit = 0;
        while (toks >> tok) {
            if (tok[0] != '<') xc_names[word * 32 + bit] = tok;
            ++bit;
        }
        if (bit != 32) die("xen-cpuid output word " + std::to_string(word) + " has " + std::to_string(bit) + " bits");
    }
    if (xc_names.empty()) die("no words found in xen-cpuid output");

    const std::string outdir = argv[3];
    {
        std::ofstream size(outdir + "/catalogue_size.h");
        size << "// Generated by toolstack/gen/gen_catalogue.cpp from the installed Xen. Do not edit.\n"
             << "#pragma once\nnamespace cpucompat {\n"
             << "// Featureset words of the Xen this was built against (xc_get_cpu_featureset_size()).\n"
             << "inline constexpr unsigned kFeaturesetWords = " << nr_words << ";\n}\n";
        if (!size) die("cannot write " + outdir + "/catalogue_size.h");
    }
    if (!std::freopen((outdir + "/catalogue_table.inc").c_str(), "w", stdout)) die("cannot write catalogue_table.inc");
    std::cout << "// Generated by toolstack/gen/gen_catalogue.cpp from the installed Xen. Do not edit.\n";
    std::cout << "static const WordInfo kGenWordInfo[] = {\n";
    for (unsigned i = 0; i < nr_words; ++i) {
        const Word &w = words[static_cast<int>(i)];
        std::printf("    {%u, %s, 0x%08xu, 0x%08xu, 0x%xu, %s},\n", i, w.source == "msr" ? "WordSource::msr" : "WordSource::cpuid",
                    w.leaf, w.subleaf, w.msr, c_string(w.reg).c_str());
    }
    std::cout << "};\n";

    std::cout << "static const FeatureInfo kGenFeatures[] = {\n";
    for (const auto &f : kXmacro) {
        auto a = attrs.find(f.name);
        if (a == attrs.end()) die(std::string("no comment for feature ") + f.name);
        if (f.value / 32 >= nr_words) die(std::string("feature beyond featureset size: ") + f.name);
        auto xc = xc_names.find(f.value);
        std::printf("    {%s, %s, %uu, %s, %s, %s},\n", c_string(libxl_name(f.name)).c_str(), c_string(f.name).c_str(), f.value,
                    c_string(a->second.first).c_str(), c_string(xc == xc_names.end() ? "" : xc->second).c_str(),
                    c_string(a->second.second).c_str());
    }
    std::cout << "};\n";

    std::cout << "static const DeepDepInfo kGenDeepDeps[] = {\n";
    for (const auto &f : kXmacro) {
        const uint32_t *deps = x86_cpu_policy_lookup_deep_deps(f.value);
        if (!deps) continue;
        std::printf("    {%uu, {{", f.value);
        for (unsigned i = 0; i < nr_words; ++i) std::printf("%s0x%08xu", i ? ", " : "", deps[i]);
        std::printf("}}},\n");
    }
    std::cout << "};\n";
    std::fflush(stdout);
    return std::ferror(stdout) ? 1 : 0;
}
