# Runs EXE (with ARGS, a ;-list) and compares its standard output with the
# file EXPECTED, line for line: `cmake -DEXE=... -DEXPECTED=... -P check_output.cmake`.
execute_process(COMMAND ${EXE} ${ARGS} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}:\n${out}")
endif()
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "output of ${EXE} differs from ${EXPECTED}:\n--- got\n${out}--- expected\n${expected}")
endif()
