//! Prints what the bounce parser and classifier make of message files
//! (`cargo run --example bounce_parse -- FILE...`).

fn main() {
    for path in std::env::args().skip(1) {
        let raw = match std::fs::read(&path) {
            Ok(raw) => raw,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        println!("== {path}");
        match mailaudit::parse::bounce::parse(&raw) {
            mailaudit::parse::bounce::Parsed::Bounce(b) => {
                println!(
                    "bounce ({}), subject {:?}, date {:?}",
                    b.format, b.subject, b.date
                );
                for r in &b.recipients {
                    let c = r.classify();
                    println!(
                        "  <{}> status {:?} reply {:?} action {:?} mta {:?}\n    => {} by {} {:?}\n    diagnostic: {}",
                        r.recipient,
                        r.status,
                        r.reply_code,
                        r.action,
                        r.remote_mta,
                        c.category.as_str(),
                        c.rule,
                        c.blocklist,
                        mailaudit::text::truncate(&r.diagnostic, 400)
                    );
                }
            }
            other => println!("{other:?}"),
        }
    }
}
