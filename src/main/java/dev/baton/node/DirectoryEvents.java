package dev.baton.node;

import dev.baton.events.Event;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.org.Directory;

/** What the server's directory does, in the event log (4001 loaded, 4002 refused, 4003 changed) as well as the log. */
final class DirectoryEvents implements LiveDirectory.Listener {

    private final EventLog events;

    DirectoryEvents(EventLog events) {
        this.events = events;
    }

    @Override
    public void loaded(String source, Directory d) {
        LiveDirectory.Listener.super.loaded(source, d);
        events.emit(Event.DIRECTORY_LOADED, Where.SERVER, source, d.summary());
    }

    @Override
    public void changed(String source, Directory before, Directory now) {
        LiveDirectory.Listener.super.changed(source, before, now);
        events.emit(Event.DIRECTORY_CHANGED, Where.SERVER, source, String.join("; ", before.changesTo(now)));
    }

    @Override
    public void refused(String source, String reason) {
        LiveDirectory.Listener.super.refused(source, reason);
        events.emit(Event.DIRECTORY_REFUSED, Where.SERVER, source, reason);
    }
}
