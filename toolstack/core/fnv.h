// FNV-1a, 64 bits: tells inputs apart where no secret is kept (a record's
// hash over its policy, the data index's stamp of a YAML file, the name of
// an ssh control socket). Not a defence against someone choosing inputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cpucompat {

class Fnv1a64 {
public:
    void byte(unsigned char b) {
        h_ ^= b;
        h_ *= 0x100000001b3ull;
    }
    void bytes(std::string_view s) {
        for (const char c : s) byte(static_cast<unsigned char>(c));
    }
    uint64_t value() const { return h_; }
    // 16 lower-case hex digits.
    std::string hex() const {
        static const char kDigits[] = "0123456789abcdef";
        std::string s(16, '0');
        for (int i = 15, v = 0; i >= 0; --i, ++v) s[i] = kDigits[(h_ >> (4 * v)) & 0xf];
        return s;
    }

private:
    uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace cpucompat
