;; A component whose core module uses GC types, a proposal compose's runtime does not run.
(component
  (core module (type (struct (field i32))))
)
