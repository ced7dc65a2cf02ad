#!/usr/bin/env bash
# A real cluster on this machine, every endpoint on 127.0.0.1:
#   Flink 2.2.1 session cluster: one JobManager (REST + web dashboard) and two TaskManagers, each
#     its own JVM, started from the Maven artifacts (there is no flink-dist on Maven Central) with a
#     configuration directory, checkpoints in a local folder, and a lib/ like a real deployment's:
#     Flink, ONNX Runtime, javacv/JavaCPP (FFmpeg, OpenCV, OpenBLAS), our patched Flink class, and
#     NO kafka-clients (the job jar carries it; both together fail).
#   Kafka 4.2: three KRaft brokers (broker + controller each), replication factor 3,
#     min.insync.replicas 2, a PLAINTEXT listener and a SASL_SSL one (SCRAM-SHA-512, a self-signed
#     certificate for 127.0.0.1 generated at start with keytool).
#
# Usage: deploy/local/cluster.sh up | down | status | kill NAME | start NAME
#   up      start everything (the folder is wiped first), wait until it is ready, print status
#   down    stop exactly the processes this cluster started (by their pid files), keep the folder
#   status  addresses, client properties, and each process with its pid and state
#   kill    kill -9 one process (jobmanager, taskmanager-1, taskmanager-2, broker-1..3): for chaos
#   start   start one stopped process again with its existing configuration and data
#
# Environment: LIPSTREAM_CLUSTER_DIR (default target/local-cluster), LIPSTREAM_CLUSTER_PORT_BASE
# (default 19000; ports used: base+23/24 JobManager RPC/blob, base+81 REST, base+30..39 TaskManager
# RPC, base+101..103 Kafka PLAINTEXT, base+111..113 SASL_SSL, base+121..123 controllers),
# LIPSTREAM_TM_HEAP (task heap per TaskManager, default 2048m), LIPSTREAM_TM_SLOTS (default 2),
# LIPSTREAM_MVN_OPTS (extra Maven flags for resolving the class paths, e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$(mkdir -p "${LIPSTREAM_CLUSTER_DIR:-$ROOT/target/local-cluster}" && cd "${LIPSTREAM_CLUSTER_DIR:-$ROOT/target/local-cluster}" && pwd)"
BASE="${LIPSTREAM_CLUSTER_PORT_BASE:-19000}"
HOST=127.0.0.1
REST_PORT=$((BASE + 81))
JM_RPC_PORT=$((BASE + 23))
BLOB_PORT=$((BASE + 24))
TM_RPC_PORTS="$((BASE + 30))-$((BASE + 39))"
TM_HEAP="${LIPSTREAM_TM_HEAP:-2048m}"
TM_SLOTS="${LIPSTREAM_TM_SLOTS:-2}"
BROKERS=(1 2 3)
SCRAM_USER=lipstream
READY_TIMEOUT_S=180

plain_port() { echo $((BASE + 100 + $1)); }
sasl_port() { echo $((BASE + 110 + $1)); }
controller_port() { echo $((BASE + 120 + $1)); }
join() { local IFS="$1"; shift; echo "$*"; }

PLAINTEXT_BOOTSTRAP="$(join , $(for b in "${BROKERS[@]}"; do echo "$HOST:$(plain_port "$b")"; done))"
SASL_BOOTSTRAP="$(join , $(for b in "${BROKERS[@]}"; do echo "$HOST:$(sasl_port "$b")"; done))"
CLIENT_PROPERTIES="$DIR/kafka/client-sasl-ssl.properties"
PROCESSES=(broker-1 broker-2 broker-3 jobmanager taskmanager-1 taskmanager-2)

# Flink on Java 17 reflects into these packages (the same list as the lipsync launcher).
JAVA_OPENS=(
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.sql/java.sql=ALL-UNNAMED
)

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*" >&2; }

pid_of() { cat "$DIR/pids/$1.pid" 2>/dev/null || true; }

# A pid file names our process only while that pid still runs a JVM of this cluster folder: a pid
# reused by an unrelated process after ours died is never signalled.
alive() {
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$DIR/"
}

classpath() { # profile -> a class path file, resolved once per cluster folder
  local file="$DIR/classpath/$1.txt"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$DIR/classpath"
    # shellcheck disable=SC2086
    mvn -q -B ${LIPSTREAM_MVN_OPTS:-} -f "$ROOT/deploy/local/pom.xml" -P"$1" \
      dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$file" >&2 \
      || die "cannot resolve the $1 class path with Maven"
  fi
  cat "$file"
}

random_secret() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

write_log4j() { # file: Log4j 2 properties that log to ${sys:log.file}
  cat > "$1" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.main.ref = Main
appender.main.name = Main
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.zk.name = org.apache.kafka.clients.NetworkClient
logger.zk.level = WARN
EOF
}

# ---------------------------------------------------------------------------------------------
# Flink
# ---------------------------------------------------------------------------------------------
flink_lib() {
  local lib="$DIR/flink/lib"
  mkdir -p "$lib"
  local jar
  for jar in $(classpath flink | tr ':' ' ') $(classpath native | tr ':' ' '); do
    ln -sf "$jar" "$lib/$(basename "$jar")"
  done
  # Our copy of one Flink class (bulk writes of operator state, see src/main/java/org/apache/flink):
  # first on the class path so it wins over flink-runtime's.
  local patched="$ROOT/src/target/classes/org/apache/flink"
  if [[ -d "$patched" ]]; then
    (cd "$ROOT/src/target/classes" && jar cf "$lib/0-lipstream-flink-patches.jar" org/apache/flink)
  else
    log "no $patched (build the project first): running without the patched Flink class"
  fi
  if ls "$lib" | grep -q '^kafka-clients'; then
    die "kafka-clients is in $lib: the job jar carries it and both together fail"
  fi
}

flink_config() { # conf dir, extra lines
  local conf="$1"
  mkdir -p "$conf"
  cat > "$conf/config.yaml" <<EOF
# Written by deploy/local/cluster.sh. Everything on $HOST.
jobmanager.rpc.address: $HOST
jobmanager.rpc.port: $JM_RPC_PORT
jobmanager.bind-host: $HOST
blob.server.port: $BLOB_PORT
rest.address: $HOST
rest.bind-address: $HOST
rest.port: $REST_PORT
taskmanager.host: $HOST
taskmanager.bind-host: $HOST
taskmanager.rpc.port: $TM_RPC_PORTS
taskmanager.numberOfTaskSlots: $TM_SLOTS
parallelism.default: 2
# Spread a job's slots over all TaskManagers instead of filling one first (Flink 2 ignores the
# older cluster.evenly-spread-out-slots: the soak found both subtasks on one TaskManager with it).
taskmanager.load-balance.mode: SLOTS
# Without the distribution's scripts nothing derives these: a TaskManager needs its CPU cores and
# every memory component set (ARCHITECTURE.md pitfalls).
taskmanager.cpu.cores: 2
taskmanager.memory.framework.heap.size: 128m
taskmanager.memory.task.heap.size: $TM_HEAP
taskmanager.memory.framework.off-heap.size: 128m
taskmanager.memory.task.off-heap.size: 256m
taskmanager.memory.managed.size: 64m
taskmanager.memory.network.min: 128m
taskmanager.memory.network.max: 128m
taskmanager.memory.jvm-metaspace.size: 256m
taskmanager.memory.jvm-overhead.min: 256m
taskmanager.memory.jvm-overhead.max: 256m
state.backend.type: hashmap
execution.checkpointing.storage: filesystem
execution.checkpointing.dir: file://$DIR/flink/checkpoints
execution.checkpointing.savepoint-dir: file://$DIR/flink/savepoints
# A lost TaskManager is noticed within seconds, not the default 50 s.
heartbeat.interval: 2000
heartbeat.timeout: 8000
$2
EOF
  write_log4j "$conf/log4j2.properties"
}

flink_args() { # name main-class conf heap-options...
  local name="$1" main="$2" conf="$3"
  shift 3
  local cp
  cp="$(join : "$DIR"/flink/lib/*.jar)"
  # An argument file keeps /proc/PID/cmdline short (ONNX Runtime reads it onto a thread stack).
  {
    printf '%s\n' "$@" "${JAVA_OPENS[@]}"
    echo "-XX:+UseG1GC"
    echo "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.lipstream.schema"
    echo "-Dorg.bytedeco.javacpp.cachedir=$ROOT/target/javacpp-cache"
    echo "-Dorg.bytedeco.javacpp.logger=slf4j"
    echo "-Dlog.file=$DIR/logs/$name.log"
    echo "-Dlog4j.configurationFile=file:$conf/log4j2.properties"
    echo "-Dlog4j2.configurationFile=file:$conf/log4j2.properties"
    echo "-Dlipstream.cluster=$DIR/"
    echo "-cp"
    echo "$cp"
    echo "$main"
    echo "--configDir"
    echo "$conf"
  } > "$DIR/flink/$name.args"
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------
kafka_tls() {
  local tls="$DIR/kafka/tls"
  mkdir -p "$tls"
  local store_pass trust_pass
  store_pass="$(random_secret)"
  trust_pass="$(random_secret)"
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 30 \
    -dname "CN=$HOST, OU=lipstream local cluster" -ext "SAN=ip:$HOST,dns:localhost" \
    -keystore "$tls/broker.p12" -storetype PKCS12 -storepass "$store_pass" -keypass "$store_pass" \
    >/dev/null 2>&1 || die "keytool could not generate the broker certificate"
  keytool -exportcert -rfc -alias broker -keystore "$tls/broker.p12" -storepass "$store_pass" \
    -file "$tls/broker.crt" >/dev/null 2>&1
  keytool -importcert -noprompt -alias broker -file "$tls/broker.crt" \
    -keystore "$tls/truststore.p12" -storetype PKCS12 -storepass "$trust_pass" >/dev/null 2>&1
  echo "$store_pass" > "$tls/keystore.secret"
  echo "$trust_pass" > "$tls/truststore.secret"
  chmod 600 "$tls"/*.secret "$tls/broker.p12"
}

kafka_config() { # broker number
  local b="$1" dir="$DIR/kafka/broker-$1"
  local voters=()
  local v
  for v in "${BROKERS[@]}"; do voters+=("$v@$HOST:$(controller_port "$v")"); done
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<EOF
# Written by deploy/local/cluster.sh: KRaft broker and controller $b of ${#BROKERS[@]}, on $HOST only.
process.roles=broker,controller
node.id=$b
controller.quorum.voters=$(join , "${voters[@]}")
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$(plain_port "$b"),SASL_SSL://$HOST:$(sasl_port "$b"),CONTROLLER://$HOST:$(controller_port "$b")
advertised.listeners=PLAINTEXT://$HOST:$(plain_port "$b"),SASL_SSL://$HOST:$(sasl_port "$b")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$DIR/kafka/tls/broker.p12
ssl.keystore.password=$(cat "$DIR/kafka/tls/keystore.secret")
ssl.key.password=$(cat "$DIR/kafka/tls/keystore.secret")
log.dirs=$dir/data
num.partitions=2
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
# Video frames: lipstream's topics allow 32 MiB records (Topics.MAX_MESSAGE_BYTES).
message.max.bytes=33554432
replica.fetch.max.bytes=33554432
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  chmod 600 "$dir/server.properties"
  write_log4j "$dir/log4j2.properties"
  {
    echo "-Xms512m"
    echo "-Xmx512m"
    echo "-XX:+UseG1GC"
    echo "-Dlog.file=$DIR/logs/broker-$b.log"
    echo "-Dlog4j2.configurationFile=file:$dir/log4j2.properties"
    echo "-Dlipstream.cluster=$DIR/"
    echo "-cp"
    echo "$(classpath kafka)"
    echo "kafka.Kafka"
    echo "$dir/server.properties"
  } > "$DIR/kafka/broker-$b.args"
}

kafka_format() {
  local cluster_id password
  # A KRaft cluster id: 16 random bytes as 22 base64url characters.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 22)"
  password="$(random_secret)"
  echo "$password" > "$DIR/kafka/scram.secret"
  chmod 600 "$DIR/kafka/scram.secret"
  local b
  for b in "${BROKERS[@]}"; do
    java -Dlog4j2.configurationFile="file:$DIR/kafka/broker-$b/log4j2.properties" \
      -Dlog.file="$DIR/logs/format-broker-$b.log" -cp "$(classpath kafka)" kafka.tools.StorageTool \
      format --cluster-id "$cluster_id" --config "$DIR/kafka/broker-$b/server.properties" \
      --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$password]" \
      > "$DIR/logs/format-broker-$b.out" 2>&1 \
      || die "formatting broker $b failed: see $DIR/logs/format-broker-$b.out"
  done
  umask 077
  cat > "$CLIENT_PROPERTIES" <<EOF
# Kafka client settings for the SASL_SSL listener of the local cluster ($SASL_BOOTSTRAP).
# Use: lipsync ... --bootstrap-servers $SASL_BOOTSTRAP -D kafka.client-properties=$CLIENT_PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SCRAM_USER" password="$password";
ssl.truststore.type=PKCS12
ssl.truststore.location=$DIR/kafka/tls/truststore.p12
ssl.truststore.password=$(cat "$DIR/kafka/tls/truststore.secret")
EOF
  umask 022
}

# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------
args_file() {
  case "$1" in
    broker-*) echo "$DIR/kafka/$1.args" ;;
    jobmanager | taskmanager-*) echo "$DIR/flink/$1.args" ;;
    *) die "unknown process $1; expected one of: ${PROCESSES[*]}" ;;
  esac
}

start_process() {
  local name="$1" args
  args="$(args_file "$name")"
  [[ -f "$args" ]] || die "no configuration for $name: run 'up' first"
  if alive "$name"; then
    log "$name already runs (pid $(pid_of "$name"))"
    return
  fi
  mkdir -p "$DIR/pids" "$DIR/logs"
  (cd "$DIR" && exec setsid java "@$args" >> "$DIR/logs/$name.out" 2>&1 < /dev/null) &
  echo $! > "$DIR/pids/$name.pid"
}

stop_process() { # name, signal
  local name="$1" signal="${2:-TERM}" pid
  pid="$(pid_of "$name")"
  if alive "$name"; then
    kill "-$signal" "$pid"
  fi
}

wait_for() { # description, command...
  local what="$1" deadline=$((SECONDS + READY_TIMEOUT_S))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${READY_TIMEOUT_S} s waiting for $what (logs: $DIR/logs)"
    sleep 1
  done
}

taskmanagers_registered() {
  curl -sf "http://$HOST:$REST_PORT/overview" | grep -q "\"taskmanagers\":$1,"
}

brokers_registered() {
  # kcat lists the brokers the cluster's metadata knows; without it, the listeners being open.
  if command -v kcat >/dev/null; then
    [[ "$(kcat -b "$PLAINTEXT_BOOTSTRAP" -L -m 5 2>/dev/null | grep -c 'at 127.0.0.1')" -ge 3 ]]
  else
    local b
    for b in "${BROKERS[@]}"; do (exec 3<>"/dev/tcp/$HOST/$(plain_port "$b")") || return 1; done
  fi
}

cmd_up() {
  local p
  for p in "${PROCESSES[@]}"; do
    alive "$p" && die "$p already runs (pid $(pid_of "$p")); 'down' first"
  done
  local started=$SECONDS
  command -v java >/dev/null || die "java (17) is needed"
  command -v keytool >/dev/null || die "keytool (from the JDK) is needed"
  rm -rf "$DIR/flink" "$DIR/kafka" "$DIR/pids" "$DIR/logs"
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/flink/checkpoints" "$DIR/kafka"
  log "resolving class paths..."
  classpath flink >/dev/null
  classpath native >/dev/null
  classpath kafka >/dev/null

  kafka_tls
  for p in "${BROKERS[@]}"; do kafka_config "$p"; done
  kafka_format
  for p in "${BROKERS[@]}"; do start_process "broker-$p"; done

  flink_lib
  flink_config "$DIR/flink/conf-jobmanager" ""
  flink_args jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    "$DIR/flink/conf-jobmanager" -Xms1g -Xmx1g
  local tm heap_mb
  heap_mb=$((128 + ${TM_HEAP%m}))
  for tm in 1 2; do
    flink_config "$DIR/flink/conf-taskmanager-$tm" "taskmanager.resource-id: taskmanager-$tm"
    # What Flink's scripts derive from the memory settings above: heap = framework + task heap;
    # direct = framework + task off-heap + network; metaspace as set.
    flink_args "taskmanager-$tm" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
      "$DIR/flink/conf-taskmanager-$tm" "-Xms${heap_mb}m" "-Xmx${heap_mb}m" \
      "-XX:MaxDirectMemorySize=512m" "-XX:MaxMetaspaceSize=256m"
  done
  start_process jobmanager
  start_process taskmanager-1
  start_process taskmanager-2

  log "waiting for 3 brokers and 2 TaskManagers..."
  wait_for "3 Kafka brokers" brokers_registered
  wait_for "2 TaskManagers at the JobManager" taskmanagers_registered 2
  log "up in $((SECONDS - started)) s"
  cmd_status
}

cmd_down() {
  local p any=0
  for p in "${PROCESSES[@]}"; do
    if alive "$p"; then
      any=1
      stop_process "$p" TERM
    fi
  done
  local deadline=$((SECONDS + 30))
  for p in "${PROCESSES[@]}"; do
    while alive "$p" && ((SECONDS < deadline)); do sleep 0.5; done
    if alive "$p"; then
      log "$p did not stop in 30 s: kill -9"
      stop_process "$p" KILL
    fi
    rm -f "$DIR/pids/$p.pid"
  done
  ((any)) && log "stopped" || log "nothing was running"
}

cmd_status() {
  echo "cluster folder:        $DIR"
  echo "Flink REST/dashboard:  http://$HOST:$REST_PORT   (lipsync --flink $HOST:$REST_PORT)"
  echo "Kafka PLAINTEXT:       $PLAINTEXT_BOOTSTRAP"
  echo "Kafka SASL_SSL:        $SASL_BOOTSTRAP"
  echo "SASL_SSL client props: $CLIENT_PROPERTIES"
  echo "checkpoints:           $DIR/flink/checkpoints"
  local p state
  for p in "${PROCESSES[@]}"; do
    if alive "$p"; then state="running"; else state="stopped"; fi
    printf '  %-14s pid %-8s %s\n' "$p" "$(pid_of "$p")" "$state"
  done
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill)
    [[ -n "${2:-}" ]] || die "kill NAME"
    args_file "$2" >/dev/null
    alive "$2" || die "$2 is not running"
    stop_process "$2" KILL
    ;;
  start)
    [[ -n "${2:-}" ]] || die "start NAME"
    start_process "$2"
    ;;
  *)
    echo "usage: $0 up | down | status | kill NAME | start NAME" >&2
    echo "  NAME: ${PROCESSES[*]}" >&2
    exit 2
    ;;
esac
