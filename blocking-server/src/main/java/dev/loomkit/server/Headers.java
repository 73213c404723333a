package dev.loomkit.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * HTTP header fields: an immutable multi-map whose names compare case-insensitively and keep the
 * order in which they arrived.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(List.of());

    /** One field, name as received. */
    public record Field(String name, String value) {
        /**
         * Checks the field.
         *
         * @throws NullPointerException if a component is null
         */
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    private final List<Field> fields;
    /** Whether {@link #fields} is a private mutable list that {@link #fields()} must wrap. */
    private final boolean owned;

    private Headers(List<Field> fields) {
        this(fields, false);
    }

    private Headers(List<Field> fields, boolean owned) {
        this.fields = fields;
        this.owned = owned;
    }

    /** {@return no fields} */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * {@return headers over this list, which the caller hands over and never touches again} The list
     * is wrapped unmodifiable only when someone asks for it ({@link #fields()}).
     */
    static Headers owning(List<Field> fields) {
        return fields.isEmpty() ? EMPTY : new Headers(fields, true);
    }

    /** {@return headers of one field} */
    static Headers single(String name, String value) {
        return new Headers(List.of(new Field(name, value)));
    }

    /**
     * {@return the first value of the named field}
     *
     * @param name the field name, any case
     */
    public Optional<String> first(String name) {
        for (Field f : fields) {
            if (f.name.equalsIgnoreCase(name)) {
                return Optional.of(f.value);
            }
        }
        return Optional.empty();
    }

    /**
     * {@return every value of the named field, in order}
     *
     * @param name the field name, any case
     */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>(1);
        for (Field f : fields) {
            if (f.name.equalsIgnoreCase(name)) {
                values.add(f.value);
            }
        }
        return values;
    }

    /**
     * {@return whether the named field is present}
     *
     * @param name the field name, any case
     */
    public boolean contains(String name) {
        return first(name).isPresent();
    }

    /** {@return the fields in arrival order} */
    public List<Field> fields() {
        return owned ? java.util.Collections.unmodifiableList(fields) : fields;
    }

    /** {@return the number of fields} */
    public int size() {
        return fields.size();
    }

    /** {@return the fields as a map from lower-case name to values, sorted by name} */
    public Map<String, List<String>> toMap() {
        var map = new TreeMap<String, List<String>>();
        for (Field f : fields) {
            map.computeIfAbsent(f.name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(f.value);
        }
        map.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(map);
    }

    /**
     * {@return a copy with one more field}
     *
     * @param name  the name
     * @param value the value
     */
    Headers with(String name, String value) {
        var list = new ArrayList<>(fields);
        list.add(new Field(name, value));
        return new Headers(List.copyOf(list));
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
