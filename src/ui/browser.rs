//! Small wrappers over browser APIs (storage, location, downloads, clipboard). Failures
//! degrade quietly: private windows may refuse storage, and the notebook still works.

use wasm_bindgen::{JsCast, JsValue};

pub fn window() -> web_sys::Window {
    web_sys::window().expect("no window")
}

pub fn hash() -> String {
    window().location().hash().unwrap_or_default()
}

pub fn set_hash(h: &str) {
    let _ = window().location().set_hash(h);
}

pub fn storage_get(key: &str) -> Option<String> {
    window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(key)
        .ok()
        .flatten()
}

pub fn storage_set(key: &str, value: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        let _ = s.set_item(key, value);
    }
}

pub fn remove_loading_message() {
    if let Some(el) = window()
        .document()
        .and_then(|d| d.get_element_by_id("loading"))
    {
        el.remove();
    }
}

/// The file input an input event came from.
pub fn input_of(ev: &web_sys::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target()?.dyn_into().ok()
}

/// The bytes of the first file chosen in a file input, if any; `refuse` looks at the
/// file's size first (a file it refuses is not read).
pub async fn chosen_bytes(
    input: &web_sys::HtmlInputElement,
    refuse: impl Fn(usize) -> Option<String>,
) -> Result<Option<Vec<u8>>, String> {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return Ok(None);
    };
    if let Some(why) = refuse(file.size() as usize) {
        return Err(why);
    }
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "the file could not be read".to_string())?;
    Ok(Some(js_sys::Uint8Array::new(&buf).to_vec()))
}

/// What the reader is told when a download fails.
pub const DOWNLOAD_REFUSED: &str = "This browser refused the download.";

/// Offers `text` as a file download named `filename`.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    save_blob(filename, mime, &JsValue::from_str(text))
}

/// Offers `bytes` as a file download called `filename`.
pub fn download_bytes(filename: &str, bytes: &[u8]) -> Result<(), JsValue> {
    save_blob(
        filename,
        "application/octet-stream",
        &js_sys::Uint8Array::from(bytes).into(),
    )
}

/// Offers the resource at `url` (a data or object URL) as a file download called
/// `filename`.
pub fn download_url(filename: &str, url: &str) -> Result<(), JsValue> {
    let doc = window().document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(url);
    a.set_download(filename);
    a.click();
    Ok(())
}

fn save_blob(filename: &str, mime: &str, part: &JsValue) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(part);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    download_url(filename, &url)?;
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// Copies text to the clipboard if the browser allows it; returns whether it tried.
pub fn copy_text(text: &str) -> bool {
    let nav = window().navigator();
    let clip =
        js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard")).unwrap_or(JsValue::UNDEFINED);
    if clip.is_undefined() {
        return false;
    }
    let f = js_sys::Reflect::get(&clip, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match f {
        Some(f) => f.call1(&clip, &JsValue::from_str(text)).is_ok(),
        None => false,
    }
}

/// The page's address without its fragment, for embed snippets.
pub fn base_url() -> String {
    let loc = window().location();
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// Tells a parent page (if any) how tall this embedded step is.
pub fn post_height_to_parent() {
    let w = window();
    let Some(doc) = w.document() else { return };
    let Some(body) = doc.body() else { return };
    let h = body.scroll_height();
    if let Ok(Some(parent)) = w.parent() {
        if parent != w {
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"type".into(), &"genlab-height".into());
            let _ = js_sys::Reflect::set(&msg, &"height".into(), &JsValue::from_f64(h as f64));
            let _ = js_sys::Reflect::set(
                &msg,
                &"href".into(),
                &JsValue::from_str(&w.location().href().unwrap_or_default()),
            );
            let _ = parent.post_message(&msg, "*");
        }
    }
}

/// Calls `f` whenever the body changes size (for embed auto-resize).
pub fn on_body_resize(f: impl Fn() + 'static) {
    use wasm_bindgen::closure::Closure;
    let cb = Closure::<dyn Fn()>::new(f);
    if let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
        if let Some(body) = window().document().and_then(|d| d.body()) {
            obs.observe(&body);
        }
        std::mem::forget(obs);
    }
    cb.forget();
}

/// Milliseconds from `performance.now()` (0 when the page has no Performance object).
/// Waits `ms` milliseconds (0: the browser's next turn), letting it paint and handle input.
pub async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Forces the page's colours to "light" or "dark" (an embed's option), or leaves them to
/// the reader's system (`None`).
pub fn set_theme(theme: Option<&str>) {
    let Some(root) = window().document().and_then(|d| d.document_element()) else {
        return;
    };
    let list = root.class_list();
    let _ = list.remove_2("theme-light", "theme-dark");
    if let Some(t) = theme {
        let _ = list.add_1(&format!("theme-{t}"));
    }
}

/// The bytes at `url`, or why not in words.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let resp = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|_| format!("could not fetch {url} (offline, or the site is incomplete)"))?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "fetch gave no response")?;
    if !resp.ok() {
        return Err(format!("{url} answered HTTP {}", resp.status()));
    }
    let buf = wasm_bindgen_futures::JsFuture::from(resp.array_buffer().map_err(|_| "no body")?)
        .await
        .map_err(|_| format!("reading {url} failed"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
