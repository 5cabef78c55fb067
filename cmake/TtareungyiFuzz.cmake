# -DTTAREUNGYI_FUZZ=ON: compile everything with libFuzzer's coverage hooks and ASan + UBSan, so
# the fuzz targets in fuzz/ see (and check) the project code they call. Needs clang with its
# runtime (Debian 12: clang-16 libclang-rt-16-dev).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TTAREUNGYI_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-16), not ${CMAKE_CXX_COMPILER_ID}")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)

# libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002L. Clang 16 to 18 implement
# what that guards (P0848, conditionally trivial special members) but still announce 201907L;
# clang 14 and 15 lack P0848 and cannot compile libstdc++'s <expected> at all.
include(CheckCXXSourceCompiles)
set(_expected_probe "#include <expected>\nint main() { std::expected<int, int> e{1}; return *e - 1; }")
check_cxx_source_compiles("${_expected_probe}" TTAREUNGYI_HAS_EXPECTED)
if(NOT TTAREUNGYI_HAS_EXPECTED)
  set(CMAKE_REQUIRED_DEFINITIONS -D__cpp_concepts=202002L)
  set(CMAKE_REQUIRED_FLAGS -Wno-macro-redefined)
  check_cxx_source_compiles("${_expected_probe}" TTAREUNGYI_HAS_EXPECTED_WITH_CONCEPTS)
  unset(CMAKE_REQUIRED_DEFINITIONS)
  unset(CMAKE_REQUIRED_FLAGS)
  if(NOT TTAREUNGYI_HAS_EXPECTED_WITH_CONCEPTS)
    message(FATAL_ERROR "${CMAKE_CXX_COMPILER} cannot compile std::expected with this standard library "
                        "(clang 16 or later is needed with libstdc++ 12)")
  endif()
  add_compile_options(-D__cpp_concepts=202002L -Wno-macro-redefined)
endif()
