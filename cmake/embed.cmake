# Writes OUT, a C++ file defining `std::string_view NAME()` in namespace NS
# that returns the bytes of IN (a text file without the sequence
# `)ctodesk_embed"`). Run as: cmake -DIN=... -DOUT=... -DNAME=... -DNS=... -P embed.cmake
file(READ "${IN}" content)
file(WRITE "${OUT}"
  "// Generated from ${IN} by cmake/embed.cmake; edit that file instead.\n"
  "#include <string_view>\n"
  "namespace ${NS} {\n"
  "std::string_view ${NAME}() {\n"
  "  static constexpr std::string_view kText = R\"ctodesk_embed(${content})ctodesk_embed\";\n"
  "  return kText;\n"
  "}\n"
  "}  // namespace ${NS}\n")
