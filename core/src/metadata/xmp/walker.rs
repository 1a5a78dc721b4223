//! Walker: the RDF structure, without recursion.
//!
//! It hands every property value, with the path of property names leading
//! to it, to the [`Sink`]; when rebuilding it also gathers the properties
//! into a [`Model`]; and it notes every part of the packet that is not RDF
//! it models (a comment, a typed node, stray text, …) as a problem: the
//! packet is then unreadable.

use super::names::QName;
use super::rebuild::{ArrayKind, Model, Node, Value};
use super::sink::Sink;
use super::tokenizer::{Attr, Markup};
use super::MAX_DEPTH;
use crate::findings::{Category, Finding, Scan};
use std::collections::{BTreeSet, HashMap};

/// At most this many properties, fields and items are gathered to rebuild
/// a packet; a bigger one is dropped whole.
const MAX_NODES: usize = 100_000;
/// Simple array items are joined for the report up to about this length.
const MAX_JOINED: usize = 1024;

/// What an open element is in the RDF grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Around `rdf:RDF` (`x:xmpmeta`, or unknown wrappers).
    Outer,
    /// `rdf:RDF`.
    Rdf,
    /// A node (`rdf:Description`): its attributes and children are properties.
    Node,
    /// A property element: holds a value, an array or a structure.
    Prop,
    /// `rdf:Bag`, `rdf:Seq` or `rdf:Alt`.
    Array,
    /// `rdf:li`: holds a value or a structure.
    Item,
    /// Ignored with all its content (`rdf:type` and other RDF terms).
    Skip,
}

/// One open element.
struct Frame {
    role: Role,
    /// Its name as written, to match its end tag.
    tag: String,
    /// Whether its name was pushed onto the property path.
    named: bool,
    /// A node directly in `rdf:RDF`: its properties are top-level ones.
    top: bool,
    /// A top-level property: its categories decide whether it is kept.
    unit: bool,
    /// `rdf:parseType="Resource"`: children are structure fields.
    fields: bool,
    /// Has child elements or field attributes, so its text is not a value.
    structured: bool,
    /// Its value came from `rdf:resource`.
    resource: bool,
    /// Prefixes declared on it, unbound when it closes.
    bound: Vec<String>,
    value: String,
    /// Simple values of an array's items, for the report.
    items: Vec<String>,
    items_len: usize,
    /// When rebuilding: its name, `xml:lang`, fields or items, and array.
    name: Option<QName>,
    lang: Option<String>,
    kids: Vec<Node>,
    array: Option<Value>,
}

impl Frame {
    fn new(role: Role, tag: &str, bound: Vec<String>) -> Frame {
        Frame {
            role,
            tag: tag.to_string(),
            named: false,
            top: false,
            unit: false,
            fields: false,
            structured: false,
            resource: false,
            bound,
            value: String::new(),
            items: Vec::new(),
            items_len: 0,
            name: None,
            lang: None,
            kids: Vec::new(),
            array: None,
        }
    }

    /// The role of a child element named `q`.
    fn child_role(&self, q: &QName) -> Role {
        match self.role {
            Role::Outer if q.is("rdf", "RDF") => Role::Rdf,
            Role::Outer if q.is("rdf", "Description") => Role::Node,
            Role::Outer => Role::Outer,
            Role::Rdf => Role::Node,
            Role::Node => property_role(q),
            Role::Prop | Role::Item if self.fields => property_role(q),
            Role::Prop | Role::Item
                if q.prefix == "rdf" && matches!(q.local.as_str(), "Bag" | "Seq" | "Alt") =>
            {
                Role::Array
            }
            Role::Prop | Role::Item => Role::Node,
            Role::Array => Role::Item,
            Role::Skip => Role::Skip,
        }
    }
}

/// Properties are anything but RDF terms, except `rdf:value` (the value of
/// a property that has qualifiers).
fn property_role(q: &QName) -> Role {
    if q.prefix != "rdf" || q.local == "value" {
        Role::Prop
    } else {
        Role::Skip
    }
}

/// Follows the element structure (see the module documentation).
pub(super) struct Walker<'b> {
    /// Prefix → stack of namespace URIs bound to it.
    ns: HashMap<String, Vec<String>>,
    /// Open elements; the bottom one is a virtual root that is never closed.
    stack: Vec<Frame>,
    /// Names of the open properties, outermost first.
    path: Vec<QName>,
    /// Open elements below [`MAX_DEPTH`] that are being skipped.
    skipped: usize,
    sink: Sink<'b>,
    /// What in the packet is not RDF this reader models.
    problems: BTreeSet<&'static str>,
    /// The properties, when rebuilding (`None` once too many).
    model: Option<Model>,
    nodes: usize,
}

impl<'b> Walker<'b> {
    pub(super) fn new(sink: Sink<'b>, rebuild: bool) -> Self {
        let root = Frame::new(Role::Outer, "", Vec::new());
        Walker {
            ns: HashMap::new(),
            stack: vec![root],
            path: Vec::new(),
            skipped: 0,
            sink,
            problems: BTreeSet::new(),
            model: rebuild.then(Model::default),
            nodes: 0,
        }
    }

    pub(super) fn problem(&mut self, what: &'static str) {
        self.problems.insert(what);
    }

    /// The findings (with one `unknown` finding naming the problems, if
    /// any) and the model (only for a packet without problems).
    pub(super) fn finish(mut self, sloppy: bool) -> (Scan, Option<Model>) {
        if sloppy {
            self.problem("malformed XML");
        }
        if self.stack.len() > 1 || self.skipped > 0 {
            self.problem("elements left open");
        }
        let block = self.sink.block;
        let mut scan = self.sink.finish();
        if self.problems.is_empty() {
            return (scan, self.model);
        }
        let problems: Vec<&str> = self.problems.iter().copied().collect();
        let value = format!("unreadable XMP, removed ({})", problems.join(", "));
        scan.push(Finding::new(Category::Unknown, block, "XMP packet", value));
        (scan, None)
    }

    pub(super) fn markup(&mut self, markup: Markup) {
        match markup {
            Markup::Wrapper => {}
            Markup::Comment => self.problem("an XML comment"),
            Markup::Instruction => self.problem("a processing instruction"),
            Markup::Declaration => self.problem("a DOCTYPE declaration"),
        }
    }

    pub(super) fn start(&mut self, name: &str, attrs: &[Attr<'_>], empty: bool) {
        if self.skipped > 0 || self.stack.len() > MAX_DEPTH {
            self.skipped += usize::from(!empty);
            self.problem("elements nested too deep");
            return;
        }
        let bound = self.bind(attrs);
        let q = self.resolve(name);
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        parent.structured = true;
        let role = parent.child_role(&q);
        let (parent_role, parent_top) = (parent.role, parent.top);
        match role {
            Role::Outer if !(q.is("x", "xmpmeta") || q.is("x", "xapmeta")) => {
                self.problem("an element outside rdf:RDF")
            }
            Role::Node if parent_role == Role::Outer => self.problem("an element outside rdf:RDF"),
            Role::Node if !q.is("rdf", "Description") => self.problem("a typed node (rdf:type)"),
            Role::Skip if parent_role != Role::Skip => self.problem("RDF syntax it does not read"),
            Role::Item if !q.is("rdf", "li") => self.problem("an array item that is not rdf:li"),
            _ => {}
        }
        let mut frame = Frame::new(role, name, bound);
        frame.named = role == Role::Prop && !q.is("rdf", "value");
        frame.top = role == Role::Node && matches!(parent_role, Role::Rdf | Role::Outer);
        frame.unit = role == Role::Prop && parent_role == Role::Node && parent_top;
        if frame.unit {
            self.sink.mark = Some(0);
        }
        if self.model.is_some() {
            match role {
                Role::Prop | Role::Item => frame.name = Some(q.clone()),
                Role::Array => {
                    frame.array = Some(Value::Array(ArrayKind::of(&q.local), Vec::new()))
                }
                _ => {}
            }
        }
        if frame.named {
            self.path.push(q);
        }
        for (raw, value) in attrs {
            self.attribute(&mut frame, raw, value);
        }
        self.stack.push(frame);
        if empty {
            self.end(None);
        }
    }

    /// An attribute of a new element: a property of a node, a field of a
    /// structure written in short form, or RDF syntax.
    fn attribute(&mut self, frame: &mut Frame, raw: &str, value: &str) {
        if raw == "xmlns" || raw.starts_with("xmlns:") {
            return;
        }
        let q = self.resolve(raw);
        match (frame.role, q.prefix.as_str(), q.local.as_str()) {
            (Role::Outer, "x", "xmptk" | "xaptk") => {
                self.sink.mark = Some(0);
                self.field(q, value);
                let marks = self.sink.mark.take().unwrap_or(0);
                if let Some(model) = &mut self.model {
                    model.toolkit = Some((value.to_string(), marks));
                }
            }
            (Role::Node, "rdf", "about") => {
                if !value.trim().is_empty() {
                    self.sink.push(Category::Device, "rdf:about", value);
                    if let Some(model) = &mut self.model {
                        model.about.get_or_insert_with(|| value.to_string());
                    }
                }
            }
            (Role::Node | Role::Prop | Role::Item, "xml", "lang") => {
                frame.lang = Some(value.to_string())
            }
            (Role::Prop | Role::Item, "rdf", "resource") => {
                frame.value = value.to_string();
                frame.resource = true;
            }
            (Role::Prop | Role::Item, "rdf", "parseType") if value == "Resource" => {
                frame.fields = true
            }
            (Role::Node | Role::Prop | Role::Item, "rdf" | "xml", _) => {
                self.problem("RDF syntax it does not read")
            }
            (Role::Node | Role::Prop | Role::Item, ..) => {
                frame.structured |= frame.role != Role::Node;
                let unit = frame.top;
                if unit {
                    self.sink.mark = Some(0);
                }
                self.field(q.clone(), value);
                let node = self.node(q, Value::Text(value.to_string()), None);
                if unit {
                    let marks = self.sink.mark.take().unwrap_or(0);
                    if let (Some(model), Some(node)) = (&mut self.model, node) {
                        model.props.push((node, marks));
                    }
                } else if let Some(node) = node {
                    frame.kids.push(node);
                }
            }
            (Role::Skip, ..) => {}
            _ => self.problem("an attribute it does not read"),
        }
    }

    fn field(&mut self, q: QName, value: &str) {
        self.path.push(q);
        self.sink.leaf(&self.path, value);
        self.path.pop();
    }

    /// A model node, when rebuilding and not past [`MAX_NODES`].
    fn node(&mut self, name: QName, value: Value, lang: Option<String>) -> Option<Node> {
        self.model.as_ref()?;
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.model = None;
            return None;
        }
        Some(Node { name, lang, value })
    }

    /// An end tag (`name` as written), or the end of an empty element.
    pub(super) fn end(&mut self, name: Option<&str>) {
        if self.skipped > 0 {
            self.skipped -= 1;
            return;
        }
        if self.stack.len() <= 1 {
            self.problem("an end tag without a start tag");
            return;
        }
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        if name.is_some_and(|n| n != frame.tag) {
            self.problem("mismatched tags");
        }
        for prefix in &frame.bound {
            if let Some(uris) = self.ns.get_mut(prefix) {
                uris.pop();
            }
        }
        let blank = is_blank(&frame.value);
        if frame.structured && (!blank || frame.resource) {
            self.problem("text beside child elements");
        }
        match frame.role {
            Role::Prop if !frame.structured => self.sink.leaf(&self.path, &frame.value),
            Role::Item if frame.structured => self.sink.item_end(&self.path),
            Role::Item => self.list_item(&frame.value),
            Role::Array => self.sink.leaf(&self.path, &frame.items.join(", ")),
            _ => {}
        }
        if frame.named {
            self.path.pop();
        }
        let marks = if frame.unit {
            self.sink.mark.take().unwrap_or(0)
        } else {
            0
        };
        if self.model.is_some() {
            self.gather(&mut frame, marks);
        }
    }

    /// Moves what a closed element holds into the model or its parent.
    fn gather(&mut self, frame: &mut Frame, marks: u8) {
        let kids = std::mem::take(&mut frame.kids);
        match frame.role {
            Role::Prop | Role::Item => {
                let value = match frame.array.take() {
                    Some(array) if kids.is_empty() => array,
                    Some(_) => {
                        self.problem("an array beside fields");
                        return;
                    }
                    None if frame.structured => Value::Struct(kids),
                    None if frame.resource => Value::Uri(std::mem::take(&mut frame.value)),
                    None => Value::Text(std::mem::take(&mut frame.value)),
                };
                let (Some(name), lang) = (frame.name.take(), frame.lang.take()) else {
                    return;
                };
                let Some(node) = self.node(name, value, lang) else {
                    return;
                };
                match (frame.unit, &mut self.model, self.stack.last_mut()) {
                    (true, Some(model), _) => model.props.push((node, marks)),
                    (false, _, Some(parent)) => parent.kids.push(node),
                    _ => {}
                }
            }
            Role::Array => {
                let Some(Value::Array(kind, _)) = frame.array.take() else {
                    return;
                };
                let twice = match self.stack.last_mut() {
                    Some(parent) => parent.array.replace(Value::Array(kind, kids)).is_some(),
                    None => false,
                };
                if twice {
                    self.problem("two arrays in one property");
                }
            }
            Role::Node if !frame.top => {
                if let Some(parent) = self.stack.last_mut() {
                    parent.kids.extend(kids);
                }
            }
            _ => {}
        }
    }

    /// A simple array item: kept to be joined with its siblings.
    fn list_item(&mut self, value: &str) {
        let value = value.trim();
        match self.stack.last_mut() {
            Some(parent) if parent.role == Role::Array => {
                if !value.is_empty() && parent.items_len < MAX_JOINED {
                    parent.items_len += value.len();
                    parent.items.push(value.to_string());
                }
            }
            _ => self.sink.leaf(&self.path, value),
        }
    }

    pub(super) fn text(&mut self, text: &str) {
        if self.skipped > 0 {
            return;
        }
        let stray = match self.stack.last_mut() {
            Some(top) if matches!(top.role, Role::Prop | Role::Item) && !top.structured => {
                if top.resource {
                    !is_blank(text)
                } else {
                    top.value.push_str(text);
                    false
                }
            }
            _ => !is_blank(text),
        };
        if stray {
            self.problem("text outside any property");
        }
    }

    /// Declares the `xmlns` attributes of a new element; returns the prefixes.
    fn bind(&mut self, attrs: &[Attr<'_>]) -> Vec<String> {
        let mut bound = Vec::new();
        for (raw, uri) in attrs {
            let prefix = match raw.strip_prefix("xmlns") {
                Some("") => "",
                Some(p) if p.starts_with(':') => &p[1..],
                _ => continue,
            };
            self.ns
                .entry(prefix.to_string())
                .or_default()
                .push(uri.to_string());
            bound.push(prefix.to_string());
        }
        bound
    }

    fn resolve(&self, raw: &str) -> QName {
        let (prefix, local) = raw.split_once(':').unwrap_or(("", raw));
        let uri = self.ns.get(prefix).and_then(|uris| uris.last());
        QName::new(prefix, local, uri.map(String::as_str))
    }
}

/// White space (and the NUL padding some writers leave) says nothing.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c == '\0')
}
