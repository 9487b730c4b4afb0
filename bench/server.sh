# SPDX-License-Identifier: GPL-3.0-or-later
# What the benchmark scripts share about their private nginx; sourced.

# bench_make_ca DIR: a private CA (ca.pem) and a certificate for 127.0.0.1
# signed by it (server.pem, server.key), in DIR.
bench_make_ca () {
  (
    cd "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Haul bench CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile ext.cnf -out server.pem 2>/dev/null
  )
}

# bench_nginx_head DIR PID_FILE CONNECTIONS LOG_FORMAT: the start of an
# nginx.conf whose files all live in DIR, up to and within its http block,
# logging each request to DIR/access.log as LOG_FORMAT says.
bench_nginx_head () {
  local dir=$1 pid=$2 connections=$3 format=$4
  cat <<CONF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 2;
pid $pid;
error_log $dir/error.log warn;
events { worker_connections $connections; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format bench '$format';
  access_log $dir/access.log bench;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 120s;
CONF
}
