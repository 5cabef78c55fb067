# One library target per layer. ttareungyi_layer(NAME DIR SOURCES... [DEPENDS ...]) builds
# lib NAME from DIR's sources with the project's include/ folder as its public interface.
function(ttareungyi_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${name} PUBLIC ${L_DEPENDS})
endfunction()

# The domain core is plain C++: no framework header may appear in it and it links nothing but
# the standard library. Checked at configure time, so a violation never builds.
function(ttareungyi_check_pure_domain target)
  file(GLOB_RECURSE files "${PROJECT_SOURCE_DIR}/domain/*" "${PROJECT_SOURCE_DIR}/include/ttareungyi/domain/*")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" bad REGEX "#[ \t]*include[ \t]*[<\"](caf|restinio|rocksdb|spdlog|nlohmann|openssl|asio|fmt)/")
    if(bad)
      message(FATAL_ERROR "domain must stay framework-free: ${f}: ${bad}")
    endif()
  endforeach()
  get_target_property(libs ${target} LINK_LIBRARIES)
  if(libs)
    message(FATAL_ERROR "domain target ${target} must link nothing but the standard library, links: ${libs}")
  endif()
endfunction()
