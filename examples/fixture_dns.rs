//! The fixture DNS server of the tests as a program, for other harnesses (Nagios/Icinga
//! end-to-end tests, Ansible tests, the benchmark):
//!
//!     cargo run --example fixture_dns -- --zones fixtures/dns --port 5353 --delay 50ms \
//!         --fault dropped.example=drop --fault slow.example=delay:200ms
//!
//! Serves UDP and TCP on 127.0.0.1 (`--ipv6`: on ::1). Prints `listening on 127.0.0.1:PORT` once ready (with
//! `--port 0`, the ephemeral port chosen), then runs until killed or until its standard
//! input closes when `--until-stdin-closes` is given.

#[path = "../tests/support/dns_server.rs"]
mod dns_server;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use dns_server::{Fault, FixtureDns, FixtureOptions, parse_duration};

const USAGE: &str = "usage: fixture_dns --zones DIR [--port N] [--ipv6] [--delay 50ms] [--fault NAME=ACTION]... [--drop NAME]... [--until-stdin-closes]
  ACTION: drop | servfail | refused | truncate | malformed | delay:DURATION";

fn main() {
    match run() {
        Ok(()) => {}
        Err(message) => {
            eprintln!("fixture_dns: {message}\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<(), String> {
    let mut options = FixtureOptions {
        zones_dir: PathBuf::from("fixtures/dns"),
        ..FixtureOptions::default()
    };
    let mut until_stdin_closes = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--zones" => options.zones_dir = PathBuf::from(value("--zones")?),
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port needs a number from 0 to 65535".to_string())?
            }
            "--delay" => options.delay = parse_duration(&value("--delay")?)?,
            "--fault" => options.faults.push(Fault::parse(&value("--fault")?)?),
            "--drop" => options
                .faults
                .push(Fault::parse(&format!("{}=drop", value("--drop")?))?),
            "--ipv6" => options.ipv6 = true,
            "--until-stdin-closes" => until_stdin_closes = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let server = FixtureDns::start(options)?;
    println!("listening on {}", server.address);
    let _ = std::io::stdout().flush();
    if until_stdin_closes {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    } else {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    drop(server);
    Ok(())
}
