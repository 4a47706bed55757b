# The KV store example's service (examples/kv_store, all but main.cpp), as
# the library `otp_kv_store`, for kv_demo and its integration test. Needs
# standalone asio (cmake/otp_asio.cmake); not defined without it.
include(${CMAKE_CURRENT_LIST_DIR}/otp_asio.cmake)
if(TARGET otp_asio AND NOT TARGET otp_kv_store)
  set(_kv_dir ${PROJECT_SOURCE_DIR}/examples/kv_store)
  add_library(otp_kv_store STATIC
    ${_kv_dir}/connection.cpp
    ${_kv_dir}/demo.cpp
    ${_kv_dir}/fault_injector.cpp
    ${_kv_dir}/io_thread.cpp
    ${_kv_dir}/line_client.cpp
    ${_kv_dir}/listener.cpp
    ${_kv_dir}/load_generator.cpp
    ${_kv_dir}/protocol.cpp
    ${_kv_dir}/service.cpp
    ${_kv_dir}/supervision_log.cpp
    ${_kv_dir}/table_heir.cpp
    ${_kv_dir}/table_owner.cpp
    ${_kv_dir}/worker.cpp
    ${_kv_dir}/worker_pool.cpp)
  target_include_directories(otp_kv_store PUBLIC ${_kv_dir})
  target_link_libraries(otp_kv_store PUBLIC otp::otp otp_asio)
  otp_set_warnings(otp_kv_store)
endif()
