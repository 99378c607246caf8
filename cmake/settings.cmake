# One INTERFACE target carrying the project's shared compile settings:
# C++20, warnings, and (with CTODESK_SANITIZE) ASan + UBSan.
add_library(ctodesk_settings INTERFACE)
target_compile_features(ctodesk_settings INTERFACE cxx_std_20)
target_compile_options(ctodesk_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wno-missing-field-initializers)
target_include_directories(ctodesk_settings INTERFACE ${PROJECT_SOURCE_DIR}/src)

if(CTODESK_SANITIZE)
  target_compile_options(ctodesk_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(ctodesk_settings INTERFACE -fsanitize=address,undefined)
endif()
