// A real HAProxy 2.6.12 (Debian bookworm) stats socket's answers, for the parsers' unit tests: s1 UP, s2 DOWN.

/** `show stat`: the lab's frontend, two servers (s2 refused its checks) and the backend. */
export const SHOW_STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,
lab,FRONTEND,,,2,2,464,2,564,692,2,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,2,0,2,,,,0,2,0,2,0,0,,4,4,4,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,2,2,2,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,2,4,696,688,0,0,
servers,s1,0,0,0,1,400,2,282,242,,0,,0,0,0,0,UP,1,1,0,0,0,3,0,,1,3,1,,2,,2,2,,2,L7OK,200,5,0,2,0,0,0,0,,,,2,0,0,,,,,0,,,0,0,205,206,,,,Layer7 check passed,,2,2,3,,,,127.0.0.1:37633,,http,,,,,,,,0,1,1,,,1,,0,0,207,210,0,0,1,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
servers,s2,0,0,0,0,400,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,3,3,,1,3,2,,0,,2,0,,0,L4CON,,1,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,2,0,,,,127.0.0.1:1,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
servers,BACKEND,0,0,0,1,47,2,282,242,0,0,,0,0,0,0,UP,1,1,0,,0,3,0,,1,3,0,,2,,1,2,,2,,,,0,2,0,0,0,0,,,,2,0,0,0,0,0,0,0,,,0,0,205,206,,,,,,,,,,,,,,http,leastconn,,,,,,,0,1,1,0,0,,,0,0,207,210,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,7,8,604,465,0,0,
`;

/** `show info`, the fields the parser reads and a few around them (one with a space in its value). */
export const SHOW_INFO = `Name: HAProxy
Version: 2.6.12-1+deb12u4
Nbthread: 1
Pid: 30644
Uptime: 0d 0h00m03s
Uptime_sec: 3
Ulimit-n: 955
Maxsock: 955
Maxconn: 464
CurrConns: 2
CumConns: 11
CumReq: 10
Idle_pct: 99
node: vm
`;
