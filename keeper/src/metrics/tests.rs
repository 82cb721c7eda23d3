use super::*;

#[test]
fn counters_and_gauges_render_as_prometheus_text() {
    let metrics = Metrics::new();
    let run = CrankStats { landed: 2, already_done: 1, errors: 0, ..CrankStats::default() };
    metrics.record("liquidation", run, Duration::from_millis(1500));
    metrics.record("liquidation", CrankStats { errors: 1, ..CrankStats::default() }, Duration::from_millis(500));
    metrics.set_gauges(Gauges { accounts_tracked: 7, below_maintenance: 2, bankrupt: 1, insurance_fund: 1_500_000 });
    let text = metrics.render();
    for line in [
        "perp_keeper_crank_runs_total{crank=\"liquidation\"} 2",
        "perp_keeper_crank_landed_total{crank=\"liquidation\"} 2",
        "perp_keeper_crank_already_done_total{crank=\"liquidation\"} 1",
        "perp_keeper_crank_errors_total{crank=\"liquidation\"} 1",
        "perp_keeper_crank_seconds_total{crank=\"liquidation\"} 2.000000",
        "perp_keeper_accounts_tracked 7",
        "perp_keeper_accounts_below_maintenance 2",
        "perp_keeper_accounts_bankrupt 1",
        "perp_keeper_insurance_fund_quote 1.5",
        "# TYPE perp_keeper_crank_runs_total counter",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn the_endpoint_answers_over_http() {
    let metrics = Metrics::new();
    metrics.set_gauges(Gauges { accounts_tracked: 3, ..Gauges::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(listener, metrics));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\nperp_keeper_accounts_tracked 3\n"), "{response}");
    server.abort();
}
