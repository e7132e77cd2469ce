//! The WebAssembly engine of the npm package: the core's entry points with JSON text in and
//! out (docs/core-api.md). Browsers (`portplan/web`) get `plan_json` only; the Node
//! fallback (feature `host`) gets every entry point. No rule lives here.
//!
//! Text, not JS objects, crosses the boundary: JSON.stringify/JSON.parse on the JS side
//! are fast and free in size, and the module then needs no code that walks JS values.
//!
//! On wasm32 the crate is `no_std` with a panic handler that only traps (a panic already
//! aborts there; std's machinery to format its message reached nobody) and a small
//! allocator of its own instead of dlmalloc: together a fifth of the browser module.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use wasm_bindgen::prelude::*;

// Natively only for its tests (`cargo test --workspace`): they drive it with a buffer.
#[cfg(any(test, target_arch = "wasm32"))]
mod allocator;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::SizeClasses = allocator::SizeClasses::new();

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[wasm_bindgen]
pub fn plan_json(request: &str) -> String {
    portplan::plan_json(request)
}

#[cfg(feature = "host")]
mod host {
    use alloc::string::String;
    use wasm_bindgen::prelude::*;

    macro_rules! json_text {
        ($($name:ident),*) => {$(
            #[wasm_bindgen]
            pub fn $name(request: &str) -> String {
                portplan::$name(request)
            }
        )*};
    }

    json_text!(extract_config_json, load_config_json, allocate_json, release_json, leases_json, cli_json, render_json, host_error_json);

    #[wasm_bindgen]
    pub fn config_files_json() -> String {
        portplan::config_files_json()
    }
}
