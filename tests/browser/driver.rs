//! A real Chromium driven through chromedriver (WebDriver), one chromedriver per test.
//!
//! The test FAILS when `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing or does not
//! start: the browser tests are part of the suite, never skipped (`.ci/test.sh` installs both).
//!
//! Helpers act as a user would: type with `send_keys`, choose from selects, attach files with
//! `send_keys` on the file input, click buttons. Date inputs are the one exception: typing into
//! `input[type=date]` depends on the browser's locale, so [`Browser::set_date`] sets the value
//! with JavaScript.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, TestUser};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long to wait for a page or an element before failing.
const WAIT: Duration = Duration::from_secs(20);

/// A chromedriver process (and the Chromium it starts), killed when dropped.
pub struct Chromedriver {
    child: Child,
    pub port: u16,
    /// The browser profile directory, removed when dropped.
    profile: PathBuf,
}

impl Chromedriver {
    /// Starts `/usr/bin/chromedriver` on a free port and waits until it answers.
    pub async fn start() -> Chromedriver {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Chromium and chromedriver \
                 (Debian: apt-get install -y {package}; or run `bash .ci/test.sh` as root)"
            );
        }
        let port = free_port();
        let profile =
            crate::common::test_root().join(format!("chromium-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&profile).expect("creating the browser profile directory");
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so Drop ends chromedriver and the Chromium it started.
            .process_group(0);
        // If the test thread dies without dropping us (abort), chromedriver goes too.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = Chromedriver {
            child,
            port,
            profile,
        };
        driver.wait_until_ready().await;
        driver
    }

    async fn wait_until_ready(&self) {
        let url = format!("http://127.0.0.1:{}/status", self.port);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} did not answer on port {} within 15 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens a browser session with a desktop window of `width`×`height` CSS pixels.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        self.session(width, height, false).await
    }

    /// Opens a browser session emulating a phone whose screen is `width`×`height` CSS pixels
    /// (Chromium's windows cannot be narrower than 500 px, so a window size will not do).
    pub async fn phone(&self, width: u32, height: u32) -> Browser {
        self.session(width, height, true).await
    }

    async fn session(&self, width: u32, height: u32, phone: bool) -> Browser {
        let profile = self.profile.join(uuid::Uuid::new_v4().simple().to_string());
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", width.max(500), height),
                "--lang=id-ID",
            ],
        });
        if phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!("cannot open a Chromium session through {CHROMEDRIVER}: {e}")
            });
        Browser { client }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let pgid = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("finding a free port")
}

/// A browser session.
pub struct Browser {
    pub client: Client,
}

impl Browser {
    /// Ends the session (closes Chromium).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The path of the current page (`/kasus/…`).
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("reading the current URL")
            .path()
            .to_string()
    }

    /// The current URL, whole.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("reading the current URL")
            .to_string()
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let url = self.url().await;
                let source = self.client.source().await.unwrap_or_default();
                panic!("no element {css:?} on {url}: {e}\n--- page ---\n{source}")
            }
        }
    }

    /// Whether an element matching `css` is on the page now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("searching the page")
            .is_empty()
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// The current `value` of the form control matching `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("value of {css}: {e}"))
            .unwrap_or_default()
    }

    /// Types `text` into the field matching `css` (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clearing {css}: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Chooses the option with value `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choosing {value:?} in {css}: {e}"));
    }

    /// Chooses the option labelled `label` in the select matching `css`.
    pub async fn choose_label(&self, css: &str, label: &str) {
        self.find(css)
            .await
            .select_by_label(label)
            .await
            .unwrap_or_else(|e| panic!("choosing {label:?} in {css}: {e}"));
    }

    /// Sets a date input (`YYYY-MM-DD`) with JavaScript; see the module documentation.
    pub async fn set_date(&self, css: &str, date: &str) {
        let field = self.find(css).await;
        let arg = serde_json::to_value(&field).expect("an element serializes");
        self.client
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true})); \
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![arg, json!(date)],
            )
            .await
            .unwrap_or_else(|e| panic!("setting the date {css}: {e}"));
    }

    /// Attaches the file at `path` to the file input matching `css`.
    pub async fn attach(&self, css: &str, path: &Path) {
        let path = path.to_str().expect("a UTF-8 path");
        self.find(css)
            .await
            .send_keys(path)
            .await
            .unwrap_or_else(|e| panic!("attaching {path} to {css}: {e}"));
    }

    /// Clicks the element matching `css` and waits until the next page has loaded (the old
    /// page's root element went stale).
    pub async fn click_and_wait(&self, css: &str) {
        let old_root = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("the page has a root element");
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
        self.wait_for_next_page(old_root, &format!("clicking {css}"))
            .await;
    }

    /// Presses `keys` on the keyboard, one after the other, wherever the focus is (WebDriver
    /// key actions: each character, or a `fantoccini::key::Key` as a char, is pressed and
    /// released).
    pub async fn keys(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for value in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("pressing {keys:?}: {e}"));
    }

    /// Presses `keys` (see [`Browser::keys`]) and waits until the next page has loaded.
    pub async fn keys_and_wait(&self, keys: &str) {
        let old_root = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("the page has a root element");
        self.keys(keys).await;
        self.wait_for_next_page(old_root, &format!("pressing {keys:?}"))
            .await;
    }

    /// Waits until `old_root` went stale (the browser navigated) and the new page loaded.
    async fn wait_for_next_page(&self, old_root: Element, what: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            // A stale root means the browser navigated; then wait for the new page to load.
            if old_root.tag_name().await.is_err() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{what} on {} did not load a new page",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        loop {
            let ready = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            if ready.as_deref() == Some("complete") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page after {what} never loaded"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the focused element matches `css`.
    pub async fn focused_is(&self, css: &str) -> bool {
        self.client
            .execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Sends `keys` to the focused element, as a user typing (no click).
    pub async fn type_keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .expect("a focused element")
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("typing {keys:?}: {e}"));
    }

    /// Presses and releases `key` on the keyboard (WebDriver actions: it goes to whatever
    /// has the focus, a file input included, as a real key press would).
    pub async fn press(&self, key: fantoccini::key::Key) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let value: char = key.into();
        let press = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client
            .perform_actions(press)
            .await
            .unwrap_or_else(|e| panic!("pressing a key: {e}"));
    }

    /// Presses Tab until the focused element matches `css` (at most 120 presses).
    pub async fn tab_to(&self, css: &str) {
        for _ in 0..120 {
            if self.focused_is(css).await {
                return;
            }
            self.press(fantoccini::key::Key::Tab).await;
        }
        panic!("Tab never reached {css} on {}", self.url().await);
    }

    /// Presses Enter on the focused element and waits until the next page has loaded.
    pub async fn enter_and_wait(&self) {
        let old_root = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("the page has a root element");
        self.press(fantoccini::key::Key::Enter).await;
        let deadline = Instant::now() + WAIT;
        while old_root.tag_name().await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "Enter on {} did not load a new page",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        loop {
            let ready = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            if ready.as_deref() == Some("complete") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page after Enter never loaded"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` and returns its result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("running {script:?}: {e}"))
    }

    /// Signs in through the form on `/masuk` and lands on the home page.
    pub async fn sign_in(&self, app: &TestApp, user: &TestUser) {
        self.goto(&app.url("/masuk")).await;
        self.type_into("#username", &user.username).await;
        self.type_into("#password", PASSWORD).await;
        self.click_and_wait("form[action='/masuk'] button[type=submit]")
            .await;
        if self.path().await == "/masuk/kode" {
            let code = app.totp_code(&user.username).await;
            self.type_into("#code", &code).await;
            self.click_and_wait("form[action='/masuk/kode'] button[type=submit]")
                .await;
        }
        assert_eq!(
            self.path().await,
            "/",
            "signing in as {} did not reach the home page",
            user.username
        );
    }

    /// Signs out with the "Keluar" button in the header.
    pub async fn sign_out(&self) {
        self.click_and_wait("form[action='/keluar'] button").await;
        assert_eq!(self.path().await, "/masuk", "signing out");
    }

    /// The state code on the case page (`#case-state[data-state]`).
    pub async fn case_state(&self) -> String {
        self.find("#case-state")
            .await
            .attr("data-state")
            .await
            .expect("reading data-state")
            .unwrap_or_default()
    }

    /// The texts of the timeline's steps.
    pub async fn timeline(&self) -> Vec<String> {
        let items = self
            .client
            .find_all(Locator::Css("#timeline > li"))
            .await
            .expect("reading the timeline");
        let mut out = vec![];
        for item in items {
            out.push(item.text().await.expect("timeline text"));
        }
        out
    }
}

/// A command of the browser's WebDriver session that fantoccini does not offer:
/// `POST /session/{id}/{path}` with a JSON body (`print`, Chromium's `goog/cdp/execute`).
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(self.body.to_string()))
    }
}

impl Browser {
    /// Prints the current page to PDF through WebDriver "Print Page" (`POST
    /// /session/{id}/print`) with `options` (its parameters: `page` {`width`, `height`} in cm,
    /// `margin`, `orientation`, `background`, `shrinkToFit`), CSS page size honoured as
    /// Chromium's print does; returns the PDF.
    pub async fn print_pdf(&self, options: serde_json::Value) -> Vec<u8> {
        use base64::Engine;
        let answer = self
            .client
            .issue_cmd(SessionPost {
                path: "print",
                body: options,
            })
            .await
            .unwrap_or_else(|e| panic!("printing the page: {e}"));
        let data = answer
            .as_str()
            .unwrap_or_else(|| panic!("no base64 PDF in the print answer: {answer}"));
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("the print answer decodes")
    }

    /// Prints the current page on A4 paper in landscape, without backgrounds.
    pub async fn print_pdf_a4_landscape(&self) -> Vec<u8> {
        self.print_pdf(json!({
            "orientation": "landscape",
            "page": {"width": 21.0, "height": 29.7},
            "background": false,
        }))
        .await
    }

    /// Sends a Chrome DevTools Protocol command to the page (`goog/cdp/execute`) and returns
    /// its answer.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(SessionPost {
                path: "goog/cdp/execute",
                body: json!({"cmd": cmd, "params": params}),
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools command {cmd}: {e}"))
    }

    /// Runs `script` asynchronously (its last argument is the callback) and returns what it
    /// hands the callback.
    pub async fn js_async(&self, script: &str) -> serde_json::Value {
        self.client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("running {script:?}: {e}"))
    }

    /// Waits until `script` returns `true` (it says `what` when it never does).
    pub async fn wait_until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.client.execute(script, vec![]).await.ok() == Some(json!(true)) {
                return;
            }
            if Instant::now() >= deadline {
                let source = self.client.source().await.unwrap_or_default();
                panic!(
                    "waited in vain for {what} on {}\n--- page ---\n{source}",
                    self.url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Switches the page to print media (Chromium's DevTools `Emulation.setEmulatedMedia`),
    /// so computed styles are those on paper.
    pub async fn emulate_print_media(&self) {
        self.client
            .issue_cmd(SessionPost {
                path: "goog/cdp/execute",
                body: json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}}),
            })
            .await
            .unwrap_or_else(|e| panic!("emulating print media: {e}"));
    }
}

/// The number of pages of a PDF: its page objects (`/Type /Page` or `/Type/Page`, not the
/// `/Type /Pages` tree). Chromium writes no object streams, so each is there as text.
pub fn pdf_page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = pdf;
    while let Some(at) = rest.windows(5).position(|w| w == b"/Type") {
        rest = &rest[at + 5..];
        let name = rest.trim_ascii_start();
        if name.starts_with(b"/Page") && !name.starts_with(b"/Pages") {
            count += 1;
        }
    }
    count
}

/// The `/MediaBox` width and height (points) of the first page of a PDF.
pub fn pdf_page_size(pdf: &[u8]) -> (f64, f64) {
    let text = String::from_utf8_lossy(pdf);
    let start = text.find("/MediaBox [").expect("a page with a MediaBox") + "/MediaBox [".len();
    let numbers: Vec<f64> = text[start..]
        .split(']')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 4, "a MediaBox of four numbers: {numbers:?}");
    (numbers[2] - numbers[0], numbers[3] - numbers[1])
}
