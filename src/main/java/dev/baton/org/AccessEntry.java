package dev.baton.org;

/** One access control entry: allow or deny a trustee a right on an object (and everything below it). */
public record AccessEntry(boolean allow, Member trustee, Right right, Scope on) {

    @Override
    public String toString() {
        return (allow ? "allow " : "deny ") + right.wireName() + " to " + trustee + " on " + on;
    }
}
