use super::*;

#[test]
fn handler_names_drop_module_paths_inside_generics_too() {
    assert_eq!(
        short_name(
            "clientgo_cache::notification::ResourceEventHandlerFuncs<clientgo_api::core::v1::ConfigMap>"
        ),
        "ResourceEventHandlerFuncs<ConfigMap>"
    );
    assert_eq!(short_name("my_operator::PodLogger"), "PodLogger");
    assert_eq!(
        short_name("alloc::sync::Arc<my::Handler, alloc::alloc::Global>"),
        "Arc<Handler, Global>"
    );
}

#[test]
fn a_panic_message_is_read_from_str_and_string_payloads() {
    let text: Box<dyn std::any::Any + Send> = Box::new("static text");
    assert_eq!(panic_message(&*text), "static text");
    let owned: Box<dyn std::any::Any + Send> = Box::new(String::from("formatted 7"));
    assert_eq!(panic_message(&*owned), "formatted 7");
    let other: Box<dyn std::any::Any + Send> = Box::new(7_u8);
    assert_eq!(panic_message(&*other), "(no message)");
}
