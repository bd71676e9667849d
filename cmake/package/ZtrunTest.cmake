# ztrun_add_test(NAME <name> NETWORK none|private [SERVER <cmd> [<arg>...]] COMMAND <cmd> [<arg>...]
#                [WORKING_DIRECTORY <dir>])
#
# Adds a CTest test whose command runs under ztrun.
#   NETWORK none     the command runs under `ztrun none`: its sockets see only a private loopback.
#   NETWORK private  the command runs on a new node of a private ZeroTier network: a CTest fixture
#                    (ztrun_private_network) starts ztrun's controller on 127.0.0.1 with one network
#                    before the first such test and stops it after the last; each node is
#                    authorized before it asks. With SERVER, that command first runs on a node of
#                    its own, and COMMAND gets ZTRUN_SERVER_IP, ZTRUN_SERVER_IP6 and
#                    ZTRUN_SERVER_NODE (once the server's node has joined: the server itself may
#                    still be starting, so clients retry). ZTRUN_NETWORK names the network.
# A <cmd> that names an executable target of the project is replaced by its path. Set other test
# properties with set_tests_properties() as usual.
#
# Needs the imported or built executable target `ztrun` (find_package(ztrun) provides it).
include_guard(GLOBAL)
set(_ztrun_test_runner "${CMAKE_CURRENT_LIST_DIR}/ztrun-ctest.sh")

# The command with its first word replaced by the path of the target it names, if it names one. Kept a
# string: list commands would lose the escaping of semicolons inside words (sh -c "a; b").
function(_ztrun_test_command out cmd)
  list(GET cmd 0 first)
  if(TARGET "${first}")
    string(REGEX REPLACE "^[^;]+" "$<TARGET_FILE:${first}>" cmd "${cmd}")
  endif()
  set(${out} "${cmd}" PARENT_SCOPE)
endfunction()

function(_ztrun_private_fixture dir)
  get_property(done GLOBAL PROPERTY _ZTRUN_PRIVATE_FIXTURE)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY _ZTRUN_PRIVATE_FIXTURE ON)
  add_test(NAME ztrun_private_network_setup
           COMMAND bash "${_ztrun_test_runner}" setup "$<TARGET_FILE:ztrun>" "${dir}")
  add_test(NAME ztrun_private_network_cleanup
           COMMAND bash "${_ztrun_test_runner}" cleanup "$<TARGET_FILE:ztrun>" "${dir}")
  set_tests_properties(ztrun_private_network_setup PROPERTIES
    FIXTURES_SETUP ztrun_private_network TIMEOUT 60)
  set_tests_properties(ztrun_private_network_cleanup PROPERTIES
    FIXTURES_CLEANUP ztrun_private_network TIMEOUT 60)
endfunction()

function(ztrun_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;NETWORK;WORKING_DIRECTORY" "COMMAND;SERVER")
  if(NOT arg_NAME OR NOT arg_COMMAND)
    message(FATAL_ERROR "ztrun_add_test: NAME and COMMAND are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ztrun_add_test(${arg_NAME}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ztrun)
    message(FATAL_ERROR "ztrun_add_test: no target `ztrun` (call find_package(ztrun) first)")
  endif()
  _ztrun_test_command(cmd "${arg_COMMAND}")
  set(wd)
  if(arg_WORKING_DIRECTORY)
    set(wd WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}")
  endif()
  if(arg_NETWORK STREQUAL "none")
    if(arg_SERVER)
      message(FATAL_ERROR "ztrun_add_test(${arg_NAME}): SERVER needs NETWORK private")
    endif()
    add_test(NAME "${arg_NAME}" ${wd} COMMAND ztrun none -- ${cmd})
  elseif(arg_NETWORK STREQUAL "private")
    set(dir "${CMAKE_BINARY_DIR}/ztrun-private-network")
    _ztrun_private_fixture("${dir}")
    set(server)
    if(arg_SERVER)
      _ztrun_test_command(scmd "${arg_SERVER}")
      list(LENGTH scmd n)
      set(server "--server;${n};${scmd}")
    endif()
    add_test(NAME "${arg_NAME}" ${wd}
             COMMAND bash "${_ztrun_test_runner}" private "$<TARGET_FILE:ztrun>" "${dir}" ${server} -- ${cmd})
    set_tests_properties("${arg_NAME}" PROPERTIES FIXTURES_REQUIRED ztrun_private_network)
  else()
    message(FATAL_ERROR "ztrun_add_test(${arg_NAME}): NETWORK must be none or private, not '${arg_NETWORK}'")
  endif()
endfunction()
