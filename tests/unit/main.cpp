// Catch2's runner. Its implementation uses <regex>; see
// toolstack/import/std_regex.h for why that is included this way.
#include "../../toolstack/import/std_regex.h"
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
