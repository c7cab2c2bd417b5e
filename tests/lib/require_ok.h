// REQUIRE_OK(result): a failed vb::Result stops the test with its error
// message, where REQUIRE(r.ok()) says only "false" and *r on a failed one
// throws bad_variant_access.
#pragma once

#include <doctest/doctest.h>

#define REQUIRE_OK(expr)                                                                                               \
    do {                                                                                                               \
        const auto& require_ok_result_ = (expr);                                                                       \
        REQUIRE_MESSAGE(require_ok_result_.ok(), require_ok_result_.error().message);                                  \
    } while (0)
#define CHECK_OK(expr)                                                                                                 \
    do {                                                                                                               \
        const auto& check_ok_result_ = (expr);                                                                         \
        CHECK_MESSAGE(check_ok_result_.ok(), check_ok_result_.error().message);                                        \
    } while (0)
